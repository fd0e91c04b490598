/**
 * A byte-for-byte TCP relay, used in front of Dovecot's STARTTLS port.
 *
 * Why: Dovecot treats a connection whose remote IP equals its local IP as "secured" and then
 * allows plaintext authentication without TLS, whatever disable_plaintext_auth says. On a
 * loopback-only stack every connection is 127.0.0.1 -> 127.0.0.1, so a client that forgets
 * STARTTLS would still log in — exactly the bug the tests should catch. Dovecot's STARTTLS
 * listener therefore sits on 127.0.0.2 (same port number) and this relay publishes it on
 * 127.0.0.1: Dovecot sees 127.0.0.1 -> 127.0.0.2, not "secured", so it advertises LOGINDISABLED
 * and refuses LOGIN/AUTHENTICATE PLAIN until STARTTLS, like a real server. STARTTLS itself
 * passes through untouched (the relay never looks at the bytes), so certificate checks happen
 * end to end between the client and Dovecot.
 */
import net from 'node:net';

export interface Relay {
  close(): Promise<void>;
}

export async function startRelay(
  listen: { host: string; port: number },
  target: { host: string; port: number }
): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  };
  const server = net.createServer((client) => {
    track(client);
    const upstream = net.connect(target);
    track(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const endBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', endBoth);
    upstream.on('error', endBoth);
    client.on('close', endBoth);
    upstream.on('close', endBoth);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port, exclusive: true }, () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return closing;
    },
  };
}

/**
 * A loopback TCP relay in front of a server (Dovecot's IMAPS port), so a test can make the
 * server vanish for the client: `cut()` resets every open connection and refuses new ones
 * (the client sees exactly what a stopped or crashed Dovecot would give it: a dead socket,
 * then connection failures); `restore()` lets connections through again. TLS passes through
 * untouched (the certificates name 127.0.0.1).
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** connections accepted and relayed so far */
  connections(): number;
  /** resets every open connection; new ones are reset at once until restore() */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let down = false;
  let accepted = 0;
  const kill = (s: net.Socket) => {
    if (typeof s.resetAndDestroy === 'function' && !s.destroyed) s.resetAndDestroy();
    else s.destroy();
  };
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (down) return kill(client);
    accepted++;
    const upstream = net.connect(target.port, target.host);
    upstream.on('error', () => undefined);
    open.add(client);
    open.add(upstream);
    const end = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  function cut() {
    down = true;
    for (const s of [...open]) kill(s);
    open.clear();
  }
  return {
    port,
    connections: () => accepted,
    cut,
    restore() {
      down = false;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

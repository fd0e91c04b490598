/**
 * The submission server (nodemailer's smtp-server), shaped like smtp.office365.com:
 * STARTTLS on `port` and implicit TLS on `tlsPort`, AUTH PLAIN LOGIN XOAUTH2 required and only
 * allowed once TLS is up, Office 365's `535 5.7.3 Authentication unsuccessful` on bad
 * credentials.
 *
 * Like a real receiving server it writes Authentication-Results (auth-results.ts): the login
 * that submitted the message, under the stack's authserv-id, forged copies removed.
 *
 * Every accepted message is relayed to Dovecot's LMTP before the client gets its 250, so a
 * message is in the recipient's INBOX as soon as the client's sendMail() resolves — tests never
 * need to poll or sleep. If LMTP refuses, the client gets a 4xx and nothing is counted.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import nodemailer from 'nodemailer';
import { SMTPServer, type SMTPServerAuthentication, type SMTPServerSession } from 'smtp-server';
import { stampAuthResults } from './auth-results';

export interface SmtpOptions {
  host: string;
  port: number;
  tlsPort: number;
  tls: { cert: string; key: string };
  lmtp: { host: string; port: number };
  /** PLAIN/LOGIN: address + password of a mail user */
  checkPassword(username: string, password: string): boolean;
  /** XOAUTH2: is this a valid access token for this mailbox? */
  checkAccessToken(username: string, token: string): Promise<boolean>;
  /** recipients that have a mailbox; others get 550 5.1.1 at RCPT TO */
  isMailbox(address: string): boolean;
  /** Office 365's SendAs check: MAIL FROM must be the authenticated mailbox (default off) */
  enforceSendAs?: boolean;
}

export interface SmtpServers {
  accepted(): number;
  close(): Promise<void>;
}

const MAX_SIZE = 50 * 1024 * 1024;

function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The hop into Dovecot: one LMTP transport, a fresh LMTP session per message. ignoreTLS: Dovecot
 * offers STARTTLS on LMTP too, but this hop is loopback-only and needs no certificate checks.
 */
export function lmtpTransport(lmtp: { host: string; port: number }) {
  return nodemailer.createTransport({
    lmtp: true,
    host: lmtp.host,
    port: lmtp.port,
    secure: false,
    ignoreTLS: true,
    name: 'localhost',
    connectionTimeout: 5000,
  });
}

export async function startSmtp(o: SmtpOptions): Promise<SmtpServers> {
  let accepted = 0;
  const lmtp = lmtpTransport(o.lmtp);

  const onAuth = (
    auth: SMTPServerAuthentication,
    _session: SMTPServerSession,
    callback: (err: Error | null | undefined, response?: { user: string }) => void
  ) => {
    const username = (auth.username ?? '').trim();
    const check =
      auth.method === 'XOAUTH2'
        ? o.checkAccessToken(username, auth.accessToken ?? '')
        : Promise.resolve(o.checkPassword(username, auth.password ?? ''));
    check.then(
      (ok) =>
        ok
          ? callback(null, { user: username.toLowerCase() })
          : callback(smtpError(535, '5.7.3 Authentication unsuccessful')),
      () => callback(smtpError(535, '5.7.3 Authentication unsuccessful'))
    );
  };

  const makeServer = (secure: boolean) =>
    new SMTPServer({
      secure,
      // implicit TLS is terminated by our own tls.Server (see below), the session starts secure
      secured: secure,
      key: o.tls.key,
      cert: o.tls.cert,
      name: 'localhost',
      banner: 'mailstack ESMTP (test stack)',
      authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
      authOptional: false,
      allowInsecureAuth: false, // AUTH before STARTTLS -> 538
      size: MAX_SIZE,
      logger: false,
      disableReverseLookup: true, // no DNS on a loopback-only machine
      closeTimeout: 100, // stop() must not wait 30 s for idle pooled clients
      onAuth,
      onMailFrom(address, session, callback) {
        if (o.enforceSendAs && address.address.toLowerCase() !== String(session.user ?? '')) {
          return callback(
            smtpError(
              554,
              `5.2.252 SendAsDenied; ${session.user} not allowed to send as ${address.address}`
            )
          );
        }
        callback();
      },
      onRcptTo(address, _session, callback) {
        if (!o.isMailbox(address.address)) {
          return callback(
            smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`)
          );
        }
        callback();
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('error', (err) => callback(err));
        stream.on('end', () => {
          if (stream.sizeExceeded) {
            return callback(
              smtpError(552, '5.3.4 Message size exceeds fixed maximum message size')
            );
          }
          const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
          const to = session.envelope.rcptTo.map((r) => r.address);
          lmtp
            .sendMail({
              envelope: { from, to },
              raw: stampAuthResults(Buffer.concat(chunks), session.user as string | undefined),
            })
            .then((info) => {
              if (info.rejected.length > 0) {
                throw new Error(`LMTP rejected ${info.rejected.join(', ')}`);
              }
              accepted++;
              const id = String(info.messageId ?? session.id).replace(/^<|>$/g, '');
              callback(null, `2.0.0 OK <${id}> delivered via LMTP`);
            })
            .catch((err: Error) =>
              callback(smtpError(451, `4.3.0 Delivery to the mailbox failed: ${err.message}`))
            );
        });
      },
    });

  const starttls = makeServer(false);
  const implicit = makeServer(true);
  starttls.on('error', () => undefined); // per-connection errors (client resets) are not fatal
  implicit.on('error', () => undefined);

  // Implicit TLS: smtp-server 3.21 on Node 20 segfaults in close() when a client connected to
  // its implicit-TLS listener and went away before finishing the handshake (e.g. a client that
  // rejected the certificate, or a port probe). node:tls handles those sockets itself, so it
  // terminates TLS here and hands finished TLS sockets to smtp-server (`secured: true`).
  const rawSockets = new Set<Socket>();
  const tlsServer = tls.createServer({ key: o.tls.key, cert: o.tls.cert }, (socket) => {
    // From here on smtp-server owns the session (and ends it on close); only sockets still in
    // the handshake stay tracked.
    const raw = (socket as tls.TLSSocket & { _parent?: Socket })._parent;
    if (raw) rawSockets.delete(raw);
    socket.on('error', () => undefined);
    const id = BigInt('0x' + randomBytes(10).toString('hex'))
      .toString(32)
      .padStart(16, '0');
    implicit.connect(socket, { id, ignore: false });
  });
  tlsServer.on('connection', (raw: Socket) => {
    rawSockets.add(raw);
    raw.once('close', () => rawSockets.delete(raw));
  });
  tlsServer.on('tlsClientError', () => undefined); // failed handshakes are the client's business

  const listen = (
    server: { listen: SMTPServer['listen']; once: Function; removeListener: Function },
    port: number
  ) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, o.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
  const listening = await Promise.allSettled([
    listen(starttls, o.port),
    listen(tlsServer as never, o.tlsPort),
  ]);
  const failed = listening.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // e.g. EADDRINUSE on one port: do not leave the other one listening
    await Promise.all([
      new Promise<void>((resolve) => starttls.close(() => resolve())),
      new Promise<void>((resolve) =>
        tlsServer.listening ? tlsServer.close(() => resolve()) : resolve()
      ),
    ]);
    lmtp.close();
    throw failed.reason;
  }

  let closing: Promise<void> | undefined;
  return {
    accepted: () => accepted,
    close() {
      closing ??= (async () => {
        const tlsClosed = new Promise<void>((resolve) => tlsServer.close(() => resolve()));
        // Handshakes still pending never reach smtp-server: drop them so close() can finish
        // (node:tls copes with its raw socket going away mid-handshake).
        for (const raw of rawSockets) raw.destroy();
        await Promise.all([
          tlsClosed,
          // closeTimeout (100 ms) ends sessions that are still open with 421
          new Promise<void>((resolve) => starttls.close(() => resolve())),
          new Promise<void>((resolve) => implicit.close(() => resolve())),
        ]);
        lmtp.close();
      })();
      return closing;
    },
  };
}

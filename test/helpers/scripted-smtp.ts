/**
 * A plain SMTP server (nodemailer's smtp-server) on loopback whose answer to each message is
 * scripted by the test: accept, or reply with a given code (421 "try later", 550 "no").
 */
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ScriptedSmtp {
  port: number;
  /** messages accepted so far (raw) */
  accepted: Buffer[];
  /** the recipients each accepted message was taken for, in the order of `accepted` */
  envelopes: string[][];
  /** DATA commands seen, accepted or not */
  attempts(): number;
  openConnections(): number;
  close(): Promise<void>;
}

export type Answer = { code: number; message: string } | { delayMs: number } | null;

export async function startScriptedSmtp(
  answer: (attempt: number) => Answer,
  /** a port to listen on again (the server "comes back"); any free port by default */
  {
    port: wanted = 0,
    rcpt,
  }: {
    port?: number;
    /** the answer to each RCPT TO (its address, and how often it was asked): null accepts */
    rcpt?: (address: string, asked: number) => Answer;
  } = {}
): Promise<ScriptedSmtp> {
  const accepted: Buffer[] = [];
  const envelopes: string[][] = [];
  const asked = new Map<string, number>();
  let attempts = 0;
  let open = 0;
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    // close() is "the server is down": idle client connections are dropped at once rather
    // than given smtp-server's default 30 s to finish.
    closeTimeout: 100,
    onConnect(_session, done) {
      open++;
      done();
    },
    onClose() {
      open--;
    },
    onRcptTo(address, _session, done) {
      const n = (asked.get(address.address) ?? 0) + 1;
      asked.set(address.address, n);
      const verdict = rcpt?.(address.address, n);
      if (verdict && 'code' in verdict) {
        return done(Object.assign(new Error(verdict.message), { responseCode: verdict.code }));
      }
      done();
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const verdict = answer(++attempts);
        if (verdict && 'code' in verdict) {
          const err = Object.assign(new Error(verdict.message), { responseCode: verdict.code });
          return done(err);
        }
        const accept = () => {
          accepted.push(Buffer.concat(chunks));
          envelopes.push(session.envelope.rcptTo.map((r) => r.address));
          done();
        };
        if (verdict) setTimeout(accept, verdict.delayMs);
        else accept();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(wanted, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    accepted,
    envelopes,
    attempts: () => attempts,
    openConnections: () => open,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

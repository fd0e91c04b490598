/**
 * Thin promise layer over nodemailer's SMTPConnection, plus a transcript that learns the
 * greeting, the EHLO capabilities and the STARTTLS timing from nodemailer's transaction log.
 * The transcript keeps server replies and only the verb of client commands, so the AUTH
 * payloads (credentials) are never stored.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { performance } from 'node:perf_hooks';

type LogEntry = { tnx?: string };

export class SmtpTranscript {
  greeting?: string;
  /** the last EHLO reply: after STARTTLS the server announces its extensions again */
  ehlo?: string;
  startTlsAt?: number;
  upgradedAt?: number;
  private awaitingHello = false;

  /** A bunyan-style logger for SMTPConnection's `logger` option (with `transactionLog`). */
  readonly logger = {
    debug: (entry: LogEntry, message?: unknown) => this.onLog(entry, message),
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
    trace: () => undefined,
    fatal: () => undefined,
  };

  private onLog(entry: LogEntry, message: unknown): void {
    if (typeof message !== 'string') return;
    if (entry?.tnx === 'server') {
      if (this.greeting === undefined) this.greeting = message;
      else if (this.awaitingHello) {
        this.ehlo = message;
        this.awaitingHello = false;
      }
    } else if (entry?.tnx === 'client') {
      const verb = message.split(' ', 1)[0].toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO' || verb === 'LHLO') {
        this.awaitingHello = true;
        if (this.startTlsAt !== undefined && this.upgradedAt === undefined) {
          this.upgradedAt = performance.now();
        }
      } else if (verb === 'STARTTLS') {
        this.startTlsAt = performance.now();
      }
    }
  }

  /** Time the STARTTLS upgrade took (command to the EHLO after it), or has taken so far. */
  upgradeMs(): number {
    if (this.startTlsAt === undefined) return 0;
    return Math.round((this.upgradedAt ?? performance.now()) - this.startTlsAt);
  }

  /** EHLO keywords without the hostname line, e.g. ["PIPELINING", "SIZE 10485760", …]. */
  extensions(): string[] {
    if (!this.ehlo) return [];
    return this.ehlo
      .split(/\r?\n/)
      .map((line) => line.replace(/^\d{3}[ -]/, '').trim())
      .slice(1)
      .filter(Boolean);
  }

  authMechanisms(): string[] {
    const line = this.extensions().find((e) => /^AUTH[ =]/i.test(e));
    return line
      ? line
          .slice(5)
          .trim()
          .toUpperCase()
          .split(/[\s=]+/)
          .filter(Boolean)
      : [];
  }
}

const closedError = () =>
  Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' });

/**
 * Runs one SMTPConnection operation as a promise. A failure can arrive through the callback
 * or only as an 'error'/'end' event (a dropped socket during AUTH never calls back), so all
 * three settle it.
 */
export function smtpCall<T>(
  conn: SMTPConnection,
  start: (done: (err?: Error | null, value?: T) => void) => void
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error | null, value?: T) => {
      if (settled) return;
      settled = true;
      conn.off('error', finish);
      conn.off('end', onEnd);
      if (err) reject(err);
      else resolve(value as T);
    };
    const onEnd = () => finish(closedError());
    conn.once('error', finish);
    conn.once('end', onEnd);
    start(finish);
  });
}

/** Ends the session politely (QUIT) when possible; a socket is never left behind. */
export function closeSmtp(conn: SMTPConnection): void {
  if (conn.destroyed) return;
  if (conn.stage === 'connected') {
    conn.quit();
    // QUIT closes on the server's reply; do not wait for a server that never answers.
    setTimeout(() => conn.close(), 1000).unref();
  } else {
    conn.close();
  }
}

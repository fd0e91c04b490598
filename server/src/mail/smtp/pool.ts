/**
 * The nodemailer pool behind a sender, with the same face whether it runs in this thread or in
 * a worker thread of its own (smtp-worker.ts): send a prepared message (composed here, once,
 * and handed back with the error when the attempt fails, for the outbox to keep), send
 * composed bytes again, verify, close. Errors are nodemailer's own; the sender explains them.
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { composeMessage, rawOptions, withComposed, type ComposedMessage } from '../compose';
import { tlsOptions } from '../connection';
import type { Endpoint, TlsSettings } from '../types';

/** What a pool needs, as plain data (it crosses to the worker thread). */
export type PoolConfig = {
  endpoint: Endpoint;
  /** a password login, or an OAuth2 login whose tokens come from `token()` */
  auth?: { user: string; pass: string } | { user: string; oauth2: true };
  tls?: TlsSettings;
  timeoutMs: number;
  maxConnections: number;
  maxMessages: number;
};

/** A recipient the server refused while it took the message for the others. */
export type RefusedRecipient = { recipient: string; responseCode?: number; response: string };

export type SentInfo = {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
  /** each refused recipient with the server's reply (the message went to the others) */
  refused?: RefusedRecipient[];
  /**
   * The same message (bytes and Message-ID) for the recipients refused with a 4xx ("not now":
   * 452 4.5.3 too many recipients, 450 mailbox busy): the caller queues it for them.
   */
  deferred?: ComposedMessage;
};

export interface Pool {
  /** composes, then sends; a failure carries the composed message (compose.ts) */
  sendMail(mail: SendMailOptions): Promise<SentInfo>;
  /** sends composed bytes as they are (a retry, the outbox) */
  sendRaw(composed: ComposedMessage): Promise<SentInfo>;
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** Asks for an access token; `renew` when the server refused the last one. */
export type TokenSource = (renew: boolean) => Promise<string>;

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((a) => (typeof a === 'string' ? a : String(a?.address ?? a))) : [];

/**
 * nodemailer resolves a send that some recipients refused (all refused is an EENVELOPE error),
 * with each refusal in `rejectedErrors`; the temporary ones are not lost: they get a copy.
 */
function partly(
  composed: ComposedMessage,
  info: { rejectedErrors?: Array<{ recipient?: string; responseCode?: number; response?: string }> }
): Pick<SentInfo, 'refused' | 'deferred'> {
  const refused: RefusedRecipient[] = (info.rejectedErrors ?? []).map((e) => ({
    recipient: String(e.recipient ?? ''),
    responseCode: e.responseCode,
    response: String(e.response ?? ''),
  }));
  if (!refused.length) return {};
  const later = refused.filter((r) => (r.responseCode ?? 0) >= 400 && (r.responseCode ?? 0) < 500);
  return {
    refused,
    deferred: later.length
      ? { ...composed, envelope: { ...composed.envelope, to: later.map((r) => r.recipient) } }
      : undefined,
  };
}

export function createLocalPool(config: PoolConfig, token?: TokenSource): Pool {
  const { endpoint, auth, timeoutMs } = config;
  const authOptions = !auth
    ? undefined
    : 'oauth2' in auth
      ? {
          type: 'OAuth2' as const,
          user: auth.user,
          provisionCallback: (
            _user: string,
            renew: boolean,
            done: (err: Error | null, token?: string) => void
          ) => {
            if (!token) return done(new Error('No access token source'));
            token(renew).then((t) => done(null, t), done);
          },
        }
      : { user: auth.user, pass: auth.pass };
  const options: SMTPPool.Options = {
    pool: true,
    host: endpoint.host,
    port: endpoint.port,
    secure: endpoint.security === 'tls',
    requireTLS: endpoint.security === 'starttls',
    ignoreTLS: endpoint.security === 'none',
    tls: tlsOptions(endpoint, config.tls),
    auth: authOptions as SMTPPool.Options['auth'],
    maxConnections: config.maxConnections,
    maxMessages: config.maxMessages,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: Math.max(timeoutMs * 3, 30_000),
    logger: false,
    debug: false,
  };
  const transporter = nodemailer.createTransport(options);
  async function sendRaw(composed: ComposedMessage): Promise<SentInfo> {
    try {
      const info: SMTPPool.SentMessageInfo = await transporter.sendMail(rawOptions(composed));
      return {
        messageId: composed.messageId,
        accepted: list(info.accepted),
        rejected: list(info.rejected),
        response: String(info.response ?? ''),
        ...partly(composed, info),
      };
    } catch (err) {
      throw withComposed(err as Error, composed);
    }
  }
  return {
    async sendMail(mail) {
      return sendRaw(await composeMessage(mail));
    },
    sendRaw,
    async verify() {
      await transporter.verify();
    },
    async close() {
      transporter.close();
    },
  };
}

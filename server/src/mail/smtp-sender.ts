/**
 * Sending through one SMTP server with a bounded pool of connections. One sender per
 * settings revision: when the settings change, a new sender takes new sends while this one
 * finishes what it has in flight, then closes.
 */
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { tlsOptions } from './connection';
import { diagnose } from './diagnose';
import { MailError } from './errors';
import { parseMessage, toNodemailer, type OutgoingMessage } from './message';
import { isOAuth2, type Endpoint, type MailAuth, type TlsSettings } from './types';

export type SmtpSenderConfig = {
  endpoint: Endpoint;
  auth?: MailAuth;
  tls?: TlsSettings;
  /** per phase (connect, greeting, socket inactivity) */
  timeoutMs: number;
  maxConnections: number;
  /** messages per connection before it is recycled */
  maxMessages: number;
};

export type SendResult = {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
};

export interface MailSender {
  send(message: OutgoingMessage): Promise<SendResult>;
  /** resolves when a connection can be opened and the login succeeds; throws MailError */
  verify(): Promise<void>;
  /** no message in flight and no connection busy */
  isIdle(): boolean;
  /** waits for sends in flight, then closes every connection; idempotent */
  close(): Promise<void>;
  readonly description: {
    host: string;
    port: number;
    secure: boolean;
    authType?: string;
    user?: string;
    maxConnections: number;
  };
}

const list = (v: unknown): string[] =>
  Array.isArray(v) ? v.map((a) => (typeof a === 'string' ? a : String(a?.address ?? a))) : [];

export function createSmtpSender(config: SmtpSenderConfig): MailSender {
  const { endpoint, auth, timeoutMs } = config;
  // A token refresh forced after the server refused a token: the pool asks the provision
  // callback on every new connection, and the failed one is gone by then.
  let forceRefresh = false;
  const authOptions = !auth
    ? undefined
    : isOAuth2(auth)
      ? {
          type: 'OAuth2' as const,
          user: auth.user,
          provisionCallback: (
            _user: string,
            renew: boolean,
            done: (err: Error | null, token?: string) => void
          ) => {
            const force = renew || forceRefresh;
            forceRefresh = false;
            auth.getAccessToken({ forceRefresh: force }).then((t) => done(null, t), done);
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
  let inFlight = 0;
  let closing: Promise<void> | null = null;
  const drained: Array<() => void> = [];

  const explain = (err: unknown, step: 'send' | 'authenticate' | 'connect') =>
    diagnose(err, { protocol: 'smtp', step, endpoint, user: auth?.user, oauth2: isOAuth2(auth) });

  async function sendOnce(message: OutgoingMessage): Promise<SendResult> {
    const mail = toNodemailer(parseMessage(message)) as SendMailOptions;
    const info: SMTPPool.SentMessageInfo = await transporter.sendMail(mail);
    return {
      messageId: info.messageId,
      accepted: list(info.accepted),
      rejected: list(info.rejected),
      response: String(info.response ?? ''),
    };
  }

  return {
    description: {
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.security === 'tls',
      authType: auth ? (isOAuth2(auth) ? 'OAuth2' : 'login') : undefined,
      user: auth?.user,
      maxConnections: config.maxConnections,
    },

    async send(message) {
      if (closing)
        throw new MailError('ECONNECTION', 'This sender is closed.', {
          diagnosis: 'The SMTP connection pool was closed.',
        });
      inFlight++;
      try {
        try {
          return await sendOnce(message);
        } catch (err) {
          if (err instanceof MailError) throw err;
          const explained = explain(err, 'send');
          // A refused token is renewed once and the message sent again (the token may have
          // been revoked or rotated before its expiry).
          if (isOAuth2(auth) && (explained.code === 'EAUTH' || explained.code === 'EOAUTH2')) {
            forceRefresh = true;
            try {
              return await sendOnce(message);
            } catch (again) {
              throw again instanceof MailError ? again : explain(again, 'send');
            }
          }
          throw explained;
        }
      } finally {
        inFlight--;
        if (inFlight === 0) drained.splice(0).forEach((resolve) => resolve());
      }
    },

    async verify() {
      try {
        await transporter.verify();
      } catch (err) {
        throw err instanceof MailError ? err : explain(err, 'authenticate');
      }
    },

    isIdle() {
      return inFlight === 0 && transporter.isIdle();
    },

    close() {
      closing ??= (async () => {
        if (inFlight > 0) await new Promise<void>((resolve) => drained.push(resolve));
        transporter.close();
      })();
      return closing;
    },
  };
}

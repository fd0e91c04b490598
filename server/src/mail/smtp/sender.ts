/**
 * Sending through one SMTP server with a bounded pool of connections. One sender per
 * settings revision: when the settings change, a new sender takes new sends while this one
 * finishes what it has in flight, then closes. The pool itself runs in a worker thread
 * (smtp-worker.ts) when the built worker file is there, else in this thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { SendMailOptions } from 'nodemailer';
import { composedOf, withComposed, type ComposedMessage } from '../compose';
import { diagnose } from '../diagnose';
import { MailError } from '../errors';
import { parseMessage, toNodemailer, type OutgoingMessage } from '../message';
import { createLocalPool, type Pool, type PoolConfig, type SentInfo } from './pool';
import type { FromWorker, ToWorker } from './worker';
import { authContext, isOAuth2, type Endpoint, type MailAuth, type TlsSettings } from '../types';

/** The bare address of a From value ("Name <a@b>", "a@b" or { address }), for diagnoses. */
function addressOf(from: OutgoingMessage['from']): string | undefined {
  if (!from) return undefined;
  if (typeof from !== 'string') return (from as { address?: string }).address;
  return /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim();
}

export type SmtpSenderConfig = {
  endpoint: Endpoint;
  auth?: MailAuth;
  tls?: TlsSettings;
  /** per phase (connect, greeting, socket inactivity) */
  timeoutMs: number;
  maxConnections: number;
  /** messages per connection before it is recycled */
  maxMessages: number;
  /** the bundled worker (default: `smtp-worker.js` beside this bundle); null: this thread */
  workerFile?: string | null;
};

export type SendResult = SentInfo & {
  /** why the server put off the `deferred` recipients, diagnosed like a failed send */
  deferredBy?: MailError;
};

export interface MailSender {
  /**
   * Composes and sends; a failure is a MailError that carries the composed message
   * (`composedOf`), so the caller can keep it for a later attempt with the same bytes.
   */
  send(message: OutgoingMessage): Promise<SendResult>;
  /** Sends a message composed before (a retry, the outbox), bytes and Message-ID unchanged. */
  sendRaw(composed: ComposedMessage): Promise<SendResult>;
  /** resolves when a connection can be opened and the login succeeds; throws MailError */
  verify(): Promise<void>;
  /** no message in flight */
  isIdle(): boolean;
  /** waits for sends in flight, then closes every connection; idempotent */
  close(): Promise<void>;
  readonly description: {
    host: string;
    port: number;
    security: Endpoint['security'];
    authType?: string;
    user?: string;
    maxConnections: number;
  };
}

/** The bundled worker next to the bundled server code (dist/server); absent when run from source. */
function workerFile(): string | null {
  if (typeof __dirname === 'undefined') return null;
  const file = path.join(__dirname, 'smtp-worker.js');
  return fs.existsSync(file) ? file : null;
}

/** Streams cannot cross to the worker: attachments given as streams are read here first. */
async function transferable(mail: SendMailOptions): Promise<SendMailOptions> {
  if (!mail.attachments?.some((a) => a.content instanceof Readable)) return mail;
  const attachments = [];
  for (const a of mail.attachments) {
    if (!(a.content instanceof Readable)) attachments.push(a);
    else {
      const chunks: Buffer[] = [];
      for await (const chunk of a.content) chunks.push(Buffer.from(chunk));
      attachments.push({ ...a, content: Buffer.concat(chunks) });
    }
  }
  return { ...mail, attachments };
}

/** A request to the worker before its id is given. */
type Request =
  | { type: 'send'; mail: Record<string, unknown> }
  | { type: 'sendRaw'; composed: ComposedMessage }
  | { type: 'verify' };

function createWorkerPool(
  file: string,
  config: PoolConfig,
  token: (renew: boolean) => Promise<string>,
  tokenErrors: Map<number, unknown>
): Pool {
  let nextId = 0;
  const waiting = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  let closed = false;

  /** Starts the thread; one that stopped (it should not) is started again by the next call. */
  function start() {
    const worker = new Worker(file, { workerData: config });
    // The sender's close() ends it; an unclosed sender must not keep the process alive.
    worker.unref();
    const thread = { worker, ended: null as Error | null, exited: Promise.resolve() };
    const post = (m: ToWorker) => worker.postMessage(m);
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'token') {
        token(m.renew).then(
          (t) => post({ type: 'token', id: m.id, token: t }),
          (err: Error) => {
            tokenErrors.set(m.id, err);
            post({ type: 'token', id: m.id, error: err?.message ?? String(err) });
          }
        );
        return;
      }
      const entry = waiting.get(m.id);
      waiting.delete(m.id);
      if (!entry) return;
      if (m.error) {
        const err = Object.assign(new Error(String(m.error.message)), m.error);
        const composed = m.composed && { ...m.composed, raw: Buffer.from(m.composed.raw) };
        entry.reject(withComposed(err, composed));
      } else {
        // A Buffer crosses the thread as a Uint8Array.
        const info = m.info as SentInfo | undefined;
        const deferred = info?.deferred;
        entry.resolve(
          deferred ? { ...info, deferred: { ...deferred, raw: Buffer.from(deferred.raw) } } : info
        );
      }
    });
    const fail = (err: Error) => {
      thread.ended ??= Object.assign(err, { code: 'ECONNECTION' });
      for (const entry of waiting.values()) entry.reject(thread.ended);
      waiting.clear();
    };
    worker.once('error', fail);
    thread.exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        fail(new Error('The sending thread stopped.'));
        resolve();
      })
    );
    return thread;
  }
  let thread = start();

  const call = (m: Request) =>
    new Promise<unknown>((resolve, reject) => {
      if (thread.ended && !closed) thread = start();
      if (thread.ended) return reject(thread.ended);
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      thread.worker.postMessage({ ...m, id } as ToWorker);
    });
  return {
    async sendMail(mail) {
      return (await call({ type: 'send', mail: (await transferable(mail)) as never })) as SentInfo;
    },
    async sendRaw(composed) {
      try {
        return (await call({ type: 'sendRaw', composed })) as SentInfo;
      } catch (err) {
        // The thread itself failed (not the attempt): the message is still the caller's.
        throw composedOf(err) ? err : withComposed(err as Error, composed);
      }
    },
    async verify() {
      await call({ type: 'verify' });
    },
    async close() {
      closed = true;
      if (!thread.ended) thread.worker.postMessage({ type: 'close' } satisfies ToWorker);
      const timer = setTimeout(() => void thread.worker.terminate(), 5_000);
      await thread.exited;
      clearTimeout(timer);
    },
  };
}

export function createSmtpSender(config: SmtpSenderConfig): MailSender {
  const { endpoint, auth, timeoutMs } = config;
  // A token refresh forced after the server refused a token: the pool asks for a token on
  // every new connection, and the failed one is gone by then.
  let forceRefresh = false;
  const token = (renew: boolean) => {
    if (!isOAuth2(auth)) return Promise.reject(new Error('No OAuth2 login'));
    const force = renew || forceRefresh;
    forceRefresh = false;
    return auth.getAccessToken({ forceRefresh: force });
  };
  const poolConfig: PoolConfig = {
    endpoint,
    auth: !auth ? undefined : isOAuth2(auth) ? { user: auth.user, oauth2: true } : auth,
    tls: config.tls,
    timeoutMs,
    maxConnections: config.maxConnections,
    maxMessages: config.maxMessages,
  };
  // A token error stays here (with its diagnosis) while the worker reports it by id.
  const tokenErrors = new Map<number, unknown>();
  const file = config.workerFile === undefined ? workerFile() : config.workerFile;
  const pool = file
    ? createWorkerPool(file, poolConfig, token, tokenErrors)
    : createLocalPool(poolConfig, token);
  let inFlight = 0;
  let closing: Promise<void> | null = null;
  const drained: Array<() => void> = [];

  /** The error to report: a token failure as it was raised, anything else explained. */
  const explain = (
    err: unknown,
    step: 'send' | 'authenticate' | 'connect',
    message?: OutgoingMessage
  ) => {
    const id = (err as { tokenError?: number })?.tokenError;
    const original = id === undefined ? undefined : tokenErrors.get(id);
    if (id !== undefined) tokenErrors.delete(id);
    if (original instanceof MailError) return original;
    if (err instanceof MailError) return err;
    return diagnose(err, {
      protocol: 'smtp',
      step,
      endpoint,
      ...authContext(auth),
      from: message ? addressOf(message.from) : undefined,
    });
  };

  /** The first temporary refusal of a recipient, as the error the outbox retries the copy on. */
  const explainDeferral = (info: SentInfo, message?: OutgoingMessage): SendResult => {
    if (!info.deferred) return info;
    const first = info.refused?.find(
      (r) => (r.responseCode ?? 0) >= 400 && (r.responseCode ?? 0) < 500
    );
    const refusal = Object.assign(new Error(first?.response ?? 'recipient refused for now'), {
      code: 'EENVELOPE',
      command: 'RCPT TO',
      responseCode: first?.responseCode,
      response: first?.response,
    });
    return { ...info, deferredBy: explain(refusal, 'send', message) };
  };

  /**
   * One attempt; a refused token is renewed once and the same composed message sent again
   * (the token may have been revoked or rotated before its expiry). A failure is explained and
   * carries the composed message.
   */
  async function attempt(
    first: () => Promise<SendResult>,
    message?: OutgoingMessage
  ): Promise<SendResult> {
    if (closing)
      throw new MailError('ECONNECTION', 'This sender is closed.', {
        diagnosis: 'The SMTP connection pool was closed.',
      });
    inFlight++;
    try {
      try {
        return explainDeferral(await first(), message);
      } catch (err) {
        const composed = composedOf(err);
        const explained = err instanceof MailError ? err : explain(err, 'send', message);
        if (
          composed &&
          isOAuth2(auth) &&
          (explained.code === 'EAUTH' || explained.code === 'EOAUTH2')
        ) {
          forceRefresh = true;
          try {
            return explainDeferral(await pool.sendRaw(composed), message);
          } catch (again) {
            throw withComposed(explain(again, 'send', message), composed);
          }
        }
        throw withComposed(explained, composed);
      }
    } finally {
      inFlight--;
      if (inFlight === 0) drained.splice(0).forEach((resolve) => resolve());
    }
  }

  return {
    description: {
      host: endpoint.host,
      port: endpoint.port,
      security: endpoint.security,
      authType: auth ? (isOAuth2(auth) ? 'OAuth2' : 'login') : undefined,
      user: auth?.user,
      maxConnections: config.maxConnections,
    },

    send(message) {
      return attempt(
        () => pool.sendMail(toNodemailer(parseMessage(message)) as SendMailOptions),
        message
      );
    },

    sendRaw(composed) {
      return attempt(() => pool.sendRaw(composed));
    },

    async verify() {
      try {
        await pool.verify();
      } catch (err) {
        throw explain(err, 'authenticate');
      }
    },

    isIdle() {
      return inFlight === 0;
    },

    close() {
      closing ??= (async () => {
        if (inFlight > 0) await new Promise<void>((resolve) => drained.push(resolve));
        await pool.close();
      })();
      return closing;
    },
  };
}

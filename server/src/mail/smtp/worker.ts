/**
 * The SMTP pool's own thread. Strapi's process runs its promises through AsyncLocalStorage
 * hooks and keeps a large heap; nodemailer's stream pipeline, a few dozen promises per
 * message, costs about a tenth more there than in a thread of its own (bench/send.ts, variant
 * e). The main thread validates and posts; this thread composes and speaks SMTP.
 *
 * Messages in: { type: 'send' | 'verify', id, mail? }, { type: 'sendRaw', id, composed },
 * { type: 'token', id, token?, error? }, { type: 'close' }. Out: { type: 'done', id, info?,
 * error?, composed? }, { type: 'token', id, renew }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { composedOf } from '../compose';
import { createLocalPool, type PoolConfig } from './pool';

/** A composed message as it crosses between threads (a Buffer arrives as a Uint8Array). */
export type ComposedData = {
  raw: Uint8Array;
  envelope: { from: string; to: string[] };
  messageId: string;
};

export type ToWorker =
  | { type: 'send'; id: number; mail: Record<string, unknown> }
  | { type: 'sendRaw'; id: number; composed: ComposedData }
  | { type: 'verify'; id: number }
  | { type: 'token'; id: number; token?: string; error?: string }
  | { type: 'close' };

export type FromWorker =
  | {
      type: 'done';
      id: number;
      info?: unknown;
      error?: Record<string, unknown>;
      /** what the failed attempt composed, for the outbox to keep */
      composed?: ComposedData;
    }
  | { type: 'token'; id: number; renew: boolean };

/** An error as plain data: its message and every primitive property diagnose() reads. */
export function errorToData(err: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { message: String((err as Error)?.message ?? err) };
  if (err && typeof err === 'object') {
    for (const key of Object.getOwnPropertyNames(err)) {
      const value = (err as Record<string, unknown>)[key];
      if (
        key !== 'stack' &&
        (value === null || ['string', 'number', 'boolean'].includes(typeof value))
      )
        out[key] = value;
    }
  }
  return out;
}

function run() {
  const port = parentPort!;
  const post = (m: FromWorker) => port.postMessage(m);
  const tokens = new Map<number, { resolve: (t: string) => void; reject: (e: Error) => void }>();
  let nextToken = 0;
  const pool = createLocalPool(workerData as PoolConfig, (renew) => {
    const id = nextToken++;
    return new Promise<string>((resolve, reject) => {
      tokens.set(id, { resolve, reject });
      post({ type: 'token', id, renew });
    });
  });
  const settle = (id: number, work: Promise<unknown>) =>
    work.then(
      (info) => post({ type: 'done', id, info }),
      (err) => post({ type: 'done', id, error: errorToData(err), composed: composedOf(err) })
    );
  port.on('message', (m: ToWorker) => {
    if (m.type === 'send') void settle(m.id, pool.sendMail(m.mail));
    else if (m.type === 'sendRaw')
      void settle(m.id, pool.sendRaw({ ...m.composed, raw: Buffer.from(m.composed.raw) }));
    else if (m.type === 'verify') void settle(m.id, pool.verify());
    else if (m.type === 'token') {
      const waiting = tokens.get(m.id);
      tokens.delete(m.id);
      // The main thread keeps the real error (a MailError with its diagnosis) under this id.
      if (m.token !== undefined) waiting?.resolve(m.token);
      else waiting?.reject(Object.assign(new Error(m.error ?? 'no token'), { tokenError: m.id }));
    } else if (m.type === 'close') {
      void pool.close().finally(() => port.close());
    }
  });
}

if (parentPort && (workerData as { endpoint?: unknown } | undefined)?.endpoint) run();

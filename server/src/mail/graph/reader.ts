/**
 * Reading the approvals mailbox through Microsoft Graph, for tenants that keep IMAP off; the
 * same contract as the IMAP reader (mailbox.ts), so the job, its lease and its exactly-once
 * recording are the same.
 *
 * - The folder is the queue: the job moves every message it handled out of it, so the oldest
 *   messages in it (`$orderby=receivedDateTime asc`) are the work left, as the IMAP reader reads
 *   the head of the mailbox. A delta query would add a token to keep per folder and return
 *   the same list: the messages still there.
 * - Each message's MIME comes from `$value` into the same analyser, read up to its size limit
 *   (a larger one is cut off there and filed unread); `$value` does not mark it read.
 * - Moves after the job recorded the messages, with `move`; folders are created when missing.
 * - No IDLE in Graph, and no change notifications: they need Strapi reachable from the
 *   internet. `waitForMail` polls the folder every few seconds, one small request each time,
 *   far within Graph's 10,000 requests per 10 minutes per app and mailbox; 429s wait Retry-After.
 * - `Prefer: IdType="ImmutableId"`: ids that survive moves.
 * https://learn.microsoft.com/graph/api/mailfolder-list-messages,
 * https://learn.microsoft.com/graph/outlook-get-mime-message,
 * https://learn.microsoft.com/graph/api/message-move,
 * https://learn.microsoft.com/graph/outlook-immutable-id,
 * https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { MailError } from '../errors';
import type { FetchedMessage, MailboxReader } from '../mailbox';
import type { TlsSettings } from '../types';
import { folderMissing, graphFolders } from './folders';
import { accessOf, createGraphClient, withToken, type GraphAuth, type GraphCall } from './http';

export interface GraphReaderConfig {
  /** the Graph host (graph.microsoft.com, a national cloud's, or a test stand-in host:port) */
  host: string;
  /** the mailbox read: an address or a user id */
  mailbox: string;
  /** the folder read, named as in the IMAP section (INBOX, Inbox/Approvals) */
  folder: string;
  auth: GraphAuth;
  tls?: TlsSettings;
  timeoutMs: number;
  /** how often waitForMail looks at the folder */
  pollMs?: number;
}

/** Graph's limit is 4 concurrent requests per app and mailbox. */
const CONCURRENCY = 4;
const DEFAULT_POLL_MS = 3_000;
/** A 429 is waited out this many times within one step before the step fails… */
const THROTTLE_RETRIES = 3;
/** …when it asks for at most this long (well within the job's 60 s lease). */
const MAX_THROTTLE_WAIT_MS = 15_000;
const PREFER = { Prefer: 'IdType="ImmutableId"' };

export function createGraphMailboxReader(config: GraphReaderConfig): MailboxReader {
  const client = createGraphClient({ ...config, access: accessOf(config.auth, 'Mail.ReadWrite') });
  const user = `/users/${encodeURIComponent(config.mailbox)}`;
  const pollMs = config.pollMs ?? DEFAULT_POLL_MS;
  /** Graph ids of the messages handed out on this connection, by the number given them. */
  const refs = new Map<number, string>();
  let next = 1;
  let folderId: string | null = null;
  let closed = false;
  const stop = new AbortController();

  /**
   * One request with a token. A 429 is waited out a few times when Graph asks for a short
   * pause; a longer one fails the step (the lease is 60 s: the next pass resumes instead).
   */
  async function request(call: Omit<GraphCall, 'token'>) {
    for (let attempt = 0; ; attempt++) {
      if (closed) throw readerClosed();
      try {
        return await withToken(config.auth, (token) =>
          client.request({ ...call, token, headers: { ...PREFER, ...call.headers } })
        );
      } catch (err) {
        if (!(err instanceof MailError) || err.code !== 'ETHROTTLED') throw err;
        const wait = err.retryAfterMs ?? 1000;
        if (attempt >= THROTTLE_RETRIES || wait > MAX_THROTTLE_WAIT_MS) throw err;
        await sleep(wait, undefined, { signal: stop.signal }).catch(() => {
          throw err;
        });
      }
    }
  }

  const folders = graphFolders(request, user);

  const opened = () => {
    if (closed || !folderId) throw readerClosed();
    return folderId;
  };

  async function oldest(limit: number) {
    const id = encodeURIComponent(opened());
    // The size comes as the extended property PR_MESSAGE_SIZE (0x0E08), on request.
    const size = encodeURIComponent(
      "singleValueExtendedProperties($filter=id eq 'Integer 0x0E08')"
    );
    const query = `$select=id,internetMessageId&$expand=${size}&$orderby=receivedDateTime asc&$top=${limit}`;
    const { json } = await request({
      method: 'GET',
      path: `${user}/mailFolders/${id}/messages?${query}`,
    });
    return (json as { value?: Listed[] }).value ?? [];
  }

  const messagePath = (id: string) => `${user}/messages/${encodeURIComponent(id)}`;

  /** Whether a message is still in the mailbox (a 404 on move may be its folder's, not its own). */
  async function exists(id: string): Promise<boolean> {
    try {
      await request({ method: 'GET', path: `${messagePath(id)}?$select=id` });
      return true;
    } catch (err) {
      if (notFound(err)) return false;
      throw err;
    }
  }

  return {
    get usable() {
      return !closed && folderId !== null;
    },

    async open() {
      const folder = await folders.find(config.folder);
      if (!folder) throw folderMissing(config.folder, config.mailbox);
      folderId = folder.id;
      return { uidValidity: folder.id, exists: folder.totalItemCount ?? 0 };
    },

    async fetchBatch(limit, maxBytes, batchBytes = Infinity) {
      // The job moves the batch it has just read: only this batch's ids are kept.
      refs.clear();
      // Oldest first, up to the batch's byte budget by the sizes Graph gives; what is left
      // stays in the folder for the next batch. A message over `maxBytes` counts nothing.
      const listed: Listed[] = [];
      let budget = batchBytes;
      for (const m of await oldest(limit)) {
        const size = sizeOf(m);
        const cost = size > maxBytes ? 0 : size;
        if (cost > budget && listed.length > 0) break;
        budget -= cost;
        listed.push(m);
      }
      const fetched = await pooled(listed, async (m): Promise<FetchedMessage | null> => {
        try {
          const { raw = Buffer.alloc(0), truncated } = await request({
            method: 'GET',
            path: `${messagePath(m.id)}/$value`,
            rawUpTo: maxBytes,
          });
          const uid = next++;
          refs.set(uid, m.id);
          // Too big to analyse: handed back without content (but with its Message-ID, the
          // key it is recorded under) so the job files it.
          return truncated
            ? {
                uid,
                ref: m.id,
                source: Buffer.alloc(0),
                size: raw.length,
                messageId: m.internetMessageId ?? undefined,
              }
            : { uid, ref: m.id, source: raw, size: raw.length };
        } catch (err) {
          // Gone since the list (another instance, the mailbox's owner): nothing to do.
          if (notFound(err)) return null;
          throw err;
        }
      });
      return fetched.filter((m): m is FetchedMessage => m !== null);
    },

    async move(uids, folder) {
      const list = ([] as number[]).concat(uids);
      if (list.length === 0) return;
      opened();
      const ids = list.map((uid) => {
        const id = refs.get(uid);
        if (!id) throw new Error(`message ${uid} was not read by this batch`);
        return { uid, id };
      });
      let target = await folders.find(folder, { create: true });
      await pooled(ids, async ({ uid, id }) => {
        const moveTo = (destination: string) =>
          request({
            method: 'POST',
            path: `${messagePath(id)}/move`,
            body: JSON.stringify({ destinationId: destination }),
          });
        try {
          await moveTo(target!.id);
        } catch (err) {
          if (!notFound(err)) throw err;
          // Either the message is gone (moved already: a retry after a lost answer), or the
          // folder id kept from earlier names a folder deleted since: look it up again.
          if (!(await exists(id))) return refs.delete(uid);
          folders.forget(folder);
          target = await folders.find(folder, { create: true });
          await moveTo(target!.id);
        }
        refs.delete(uid);
      });
    },

    async waitForMail(ms, signal) {
      const until = Date.now() + ms;
      const ended = signal ? AbortSignal.any([stop.signal, signal]) : stop.signal;
      while (!closed && Date.now() < until) {
        const waited = await sleep(Math.min(pollMs, until - Date.now()), true, {
          signal: ended,
        }).catch(() => false);
        if (!waited || ended.aborted) return false;
        // New mail is a message this connection has not handed out already: what a batch
        // could not move (its pass failed and said so) does not wake the job every few seconds.
        const head = await oldest(refs.size + 1);
        const left = new Set(refs.values());
        if (head.some((m) => !left.has(m.id))) return true;
      }
      return false;
    },

    async close() {
      if (closed) return;
      closed = true;
      stop.abort();
      client.close();
    },
  };
}

type Listed = {
  id: string;
  internetMessageId?: string | null;
  singleValueExtendedProperties?: Array<{ id: string; value: string }>;
};

/** PR_MESSAGE_SIZE when Graph gave it; 0 (counted as nothing) when not. */
const sizeOf = (m: Listed) =>
  Number(m.singleValueExtendedProperties?.find((p) => /0x0?e08$/i.test(p.id.trim()))?.value ?? 0) ||
  0;

const readerClosed = () =>
  new MailError('ECONNECTION', 'The Graph reader is closed.', {
    diagnosis: 'The connection to Microsoft Graph was closed.',
    fix: 'It is opened again on the next run.',
  });

/** Graph's "no such item": a message or folder deleted or moved since. */
const notFound = (err: unknown) =>
  err instanceof MailError && err.responseCode === 404 && err.reason === 'ErrorItemNotFound';

/**
 * `work` on each item, CONCURRENCY at a time (Graph's limit per app and mailbox), results in
 * order. After a failure no lane takes another item, and the first failure is thrown.
 */
async function pooled<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let i = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && i < items.length) {
      const at = i++;
      try {
        out[at] = await work(items[at]!);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const lanes = await Promise.allSettled(
    Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane)
  );
  const rejected = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (rejected) throw rejected.reason;
  return out;
}

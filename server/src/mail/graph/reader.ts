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
/** A 429 is waited out this many times within one step before the step fails. */
const THROTTLE_RETRIES = 3;
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

  /** One request with a token, Graph's Retry-After waited out a few times. */
  async function request(call: Omit<GraphCall, 'token'>) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await withToken(config.auth, (token) =>
          client.request({ ...call, token, headers: { ...PREFER, ...call.headers } })
        );
      } catch (err) {
        if (!(err instanceof MailError) || err.code !== 'ETHROTTLED') throw err;
        if (attempt >= THROTTLE_RETRIES || closed) throw err;
        await sleep(err.retryAfterMs ?? 1000, undefined, { signal: stop.signal }).catch(() => {
          throw err;
        });
      }
    }
  }

  const folders = graphFolders(request, user);

  const opened = () => {
    if (closed || !folderId) {
      throw new MailError('ECONNECTION', 'The Graph reader is closed.', {
        diagnosis: 'The connection to Microsoft Graph was closed.',
        fix: 'It is opened again on the next run.',
      });
    }
    return folderId;
  };

  async function oldest(limit: number) {
    const id = opened();
    const query = `$select=id,internetMessageId&$orderby=receivedDateTime asc&$top=${limit}`;
    const { json } = await request({
      method: 'GET',
      path: `${user}/mailFolders/${id}/messages?${query}`,
    });
    return (json as { value?: Array<{ id: string }> }).value ?? [];
  }

  /** `work` on each item, CONCURRENCY at a time, results in order. */
  async function pooled<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let i = 0;
    const lane = async () => {
      while (i < items.length) {
        const at = i++;
        out[at] = await work(items[at]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, lane));
    return out;
  }

  /** A message gone since the list (another instance, the owner) is nothing to do. */
  const gone = (err: unknown) =>
    err instanceof MailError && err.responseCode === 404 && err.reason === 'ErrorItemNotFound';

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

    async fetchBatch(limit, maxBytes) {
      const listed = await oldest(limit);
      const fetched = await pooled(listed, async ({ id }): Promise<FetchedMessage | null> => {
        try {
          const { raw = Buffer.alloc(0), truncated } = await request({
            method: 'GET',
            path: `${user}/messages/${encodeURIComponent(id)}/$value`,
            rawUpTo: maxBytes,
          });
          const uid = next++;
          refs.set(uid, id);
          // Too big to analyse: handed back without content so the job files it.
          return truncated
            ? { uid, ref: id, source: Buffer.alloc(0), size: raw.length }
            : { uid, ref: id, source: raw, size: raw.length };
        } catch (err) {
          if (gone(err)) return null;
          throw err;
        }
      });
      return fetched.filter((m): m is FetchedMessage => m !== null);
    },

    async move(uids, folder) {
      const list = ([] as number[]).concat(uids);
      if (list.length === 0) return;
      opened();
      const moveAll = async () => {
        const target = await folders.find(folder, { create: true });
        if (!target) throw folderMissing(folder, config.mailbox);
        await pooled(list, async (uid) => {
          const id = refs.get(uid);
          if (!id) return;
          try {
            await request({
              method: 'POST',
              path: `${user}/messages/${encodeURIComponent(id)}/move`,
              body: JSON.stringify({ destinationId: target.id }),
            });
            refs.delete(uid);
          } catch (err) {
            // The message was moved already (a retry after a lost answer): done.
            if (!gone(err)) throw err;
            refs.delete(uid);
          }
        });
      };
      try {
        await moveAll();
      } catch (err) {
        // A folder id kept from earlier may name a folder deleted since: look it up once more.
        if (!(err instanceof MailError) || err.responseCode !== 404) throw err;
        folders.forget(folder);
        await moveAll();
      }
    },

    async waitForMail(ms, signal) {
      const until = Date.now() + ms;
      const ended = signal ? AbortSignal.any([stop.signal, signal]) : stop.signal;
      while (!closed && Date.now() < until) {
        const waited = await sleep(Math.min(pollMs, until - Date.now()), true, {
          signal: ended,
        }).catch(() => false);
        if (!waited || ended.aborted) return false;
        if ((await oldest(1)).length > 0) return true;
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

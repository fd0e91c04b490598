/**
 * Sending limits per account, shared by every Strapi instance: what an account sent lately is
 * counted in the database (one row per account), so that three instances behind a load
 * balancer send 30 messages a minute together, not 90. And a pause: when the server answers
 * with a throttling reply, the account rests for a while, on every instance.
 *
 * A row is changed by compare-and-set on its `version` (a conditional UPDATE, atomic on every
 * database Strapi supports, no row lock held across a round trip); within one process the
 * takers of one account queue behind each other, so instances compete, not sends.
 *
 * The minute is counted exactly (the times of the last sends); the day in 24 buckets, an
 * account being refused while its oldest bucket still overlaps the window: never over the
 * limit, at worst one bucket early in refusing.
 */
import type { Core } from '@strapi/strapi';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';

export const SEND_ACCOUNT_UID = 'plugin::mail-server.send-account';

const BUCKETS = 24;
/** Messages claimed at once during the window after a pause (see capacity). */
const SLOW_START = 5;
/** Compare-and-set attempts against other instances before the send is put off a little. */
const MAX_TRIES = 20;

export interface Limits {
  /** messages per `windowMs`; 0: no limit */
  messages: number;
  windowMs: number;
  /** recipients per `recipientWindowMs`; 0: no limit */
  recipients: number;
  recipientWindowMs: number;
}

type Usage = { sends: number[]; buckets: Array<[number, number]> };

export type Grant =
  | {
      ok: true;
      /** the time counted for this send, until settle() moves it to its end */ at: number;
    }
  | {
      ok: false;
      /** when a send may be tried again */
      atMs: number;
      /** `paused`: the server asked to slow down; `messages`/`recipients`: the limit is reached */
      why: 'paused' | 'messages' | 'recipients' | 'too-many-recipients';
      pauseReason?: string;
    };

type Row = {
  id: number;
  version: number;
  usage: Usage | string | null;
  pausedUntilMs: string | number | null;
  pauseReason: string | null;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const usageOf = (row: Row): Usage => {
  const raw = typeof row.usage === 'string' ? JSON.parse(row.usage) : row.usage;
  return {
    sends: Array.isArray(raw?.sends) ? raw.sends.map(Number) : [],
    buckets: Array.isArray(raw?.buckets) ? raw.buckets : [],
  };
};

/** What `limits` allow now, and the usage after one more message to `recipients` addresses. */
export function evaluate(
  usage: Usage,
  pausedUntil: number,
  limits: Limits,
  recipients: number,
  now: number
): { grant: Grant; next: Usage } {
  const bucketMs = limits.recipientWindowMs / BUCKETS;
  const sends = usage.sends.filter((t) => t > now - limits.windowMs).sort((a, b) => a - b);
  const buckets = usage.buckets
    .filter(([start]) => start + bucketMs > now - limits.recipientWindowMs)
    .sort((a, b) => a[0] - b[0]);
  const next = { sends, buckets };
  if (pausedUntil > now) return { grant: { ok: false, atMs: pausedUntil, why: 'paused' }, next };
  if (limits.messages > 0 && sends.length >= limits.messages) {
    // The send that must leave the window for one more to fit.
    const atMs = sends[sends.length - limits.messages]! + limits.windowMs;
    return { grant: { ok: false, atMs, why: 'messages' }, next };
  }
  if (limits.recipients > 0) {
    if (recipients > limits.recipients) {
      return { grant: { ok: false, atMs: Infinity, why: 'too-many-recipients' }, next };
    }
    let total = buckets.reduce((sum, [, n]) => sum + n, 0);
    if (total + recipients > limits.recipients) {
      let atMs = now + limits.recipientWindowMs;
      for (const [start, n] of buckets) {
        total -= n;
        if (total + recipients <= limits.recipients) {
          atMs = start + bucketMs + limits.recipientWindowMs;
          break;
        }
      }
      return { grant: { ok: false, atMs, why: 'recipients' }, next };
    }
  }
  // Granted: counted. Only as many send times as the limit needs are kept.
  if (limits.messages > 0) next.sends = [...sends, now].slice(-limits.messages);
  if (limits.recipients > 0) {
    const start = Math.floor(now / bucketMs) * bucketMs;
    const last = buckets[buckets.length - 1];
    if (last && last[0] === start) last[1] += recipients;
    else buckets.push([start, recipients]);
  }
  return { grant: { ok: true, at: now }, next };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const query = () => strapi.db.query(SEND_ACCOUNT_UID as never);
  /** takers of one account in this process, one after the other */
  const queues = new Map<string, Promise<unknown>>();
  /** pauses this process knows of (its own throttling replies, and what it last read) */
  const pauses = new Map<string, { untilMs: number; reason: string }>();

  function serial<T>(account: string, work: () => Promise<T>): Promise<T> {
    const previous = queues.get(account) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    const tail = next.catch(() => undefined);
    queues.set(account, tail);
    void tail.then(() => {
      if (queues.get(account) === tail) queues.delete(account);
    });
    return next;
  }

  async function row(account: string): Promise<Row> {
    const find = async () => (await query().findOne({ where: { account } })) as Row | null;
    const found = await find();
    if (found) return found;
    try {
      await query().create({ data: { account, version: 0, usage: { sends: [], buckets: [] } } });
    } catch (err) {
      // Another instance created it first (a unique index on `account`): read theirs, or the
      // insert itself failed, and that is the error.
      const theirs = await find();
      if (theirs) return theirs;
      throw err;
    }
    const created = await find();
    if (!created) throw new Error('The sending account row could not be read back.');
    return created;
  }

  function remember(account: string, found: Row & { failureStreak?: number | null }) {
    // The failure streak rides along: a success elsewhere or here ends it (send-health.ts).
    getService(strapi, 'send-health').observe(account, Number(found.failureStreak ?? 0));
    const untilMs = Number(found.pausedUntilMs ?? 0);
    if (untilMs > Date.now()) pauses.set(account, { untilMs, reason: found.pauseReason ?? '' });
    else pauses.delete(account);
  }

  const windows = (): Pick<Limits, 'windowMs' | 'recipientWindowMs'> => {
    const { limitWindowSeconds, recipientWindowSeconds } = getPluginConfig(strapi).send;
    return {
      windowMs: limitWindowSeconds * 1000,
      recipientWindowMs: recipientWindowSeconds * 1000,
    };
  };

  return {
    /** Limits in the form `take` wants, from the per-minute and per-day settings. */
    limits(messagesPerMinute: number, recipientsPerDay: number): Limits {
      return { messages: messagesPerMinute, recipients: recipientsPerDay, ...windows() };
    },

    /** How long a throttled account rests: one message window (a minute). */
    pauseMs: () => windows().windowMs,

    /** A pause this process knows of, without asking the database (the send path). */
    localPause(account: string): { untilMs: number; reason: string } | null {
      const pause = pauses.get(account);
      return pause && pause.untilMs > Date.now() ? pause : null;
    },

    /**
     * Counts one message to `recipients` addresses against the account, or says when it may
     * go. Nothing is counted when the answer is no.
     */
    take(account: string, limits: Limits, recipients: number): Promise<Grant> {
      return serial(account, async () => {
        for (let tries = 0; tries < MAX_TRIES; tries++) {
          const found = await row(account);
          remember(account, found);
          const now = Date.now();
          const { grant, next } = evaluate(
            usageOf(found),
            Number(found.pausedUntilMs ?? 0),
            limits,
            recipients,
            now
          );
          if (!grant.ok) return { ...grant, pauseReason: found.pauseReason ?? undefined };
          const { count } = await query().updateMany({
            where: { account, version: found.version },
            data: { version: found.version + 1, usage: next },
          });
          if (count === 1) return grant;
          // Another instance counted a send in between: read again.
          await sleep(2 + Math.random() * 20);
        }
        return { ok: false, atMs: Date.now() + 1000, why: 'messages' };
      });
    },

    /**
     * A granted send has ended: it is counted from its end, as the server counts it (a send
     * granted at 0 s and accepted at 0.5 s is in the server's window until 60.5 s).
     */
    async settle(account: string, grantedAt: number): Promise<void> {
      await serial(account, async () => {
        for (let tries = 0; tries < MAX_TRIES; tries++) {
          const found = (await query().findOne({ where: { account } })) as Row | null;
          if (!found) return;
          const usage = usageOf(found);
          const i = usage.sends.indexOf(grantedAt);
          if (i < 0) return; // out of the window already
          usage.sends[i] = Date.now();
          usage.sends.sort((a, b) => a - b);
          const { count } = await query().updateMany({
            where: { account, version: found.version },
            data: { version: found.version + 1, usage },
          });
          if (count === 1) return;
          await sleep(2 + Math.random() * 20);
        }
      });
    },

    /** What the account may send now: free message slots (Infinity: no message limit), or when. */
    async capacity(
      account: string,
      limits: Limits | null
    ): Promise<{ slots: number; atMs: number }> {
      // Read only: an account that never had a limit nor a pause has no row, and needs none.
      const found = (await query().findOne({ where: { account } })) as Row | null;
      const now = Date.now();
      const rules = limits ?? { messages: 0, recipients: 0, ...windows() };
      if (!found) return { slots: rules.messages > 0 ? rules.messages : Infinity, atMs: now };
      remember(account, found);
      const { grant, next } = evaluate(
        usageOf(found),
        Number(found.pausedUntilMs ?? 0),
        rules,
        0,
        now
      );
      if (!grant.ok && grant.why !== 'too-many-recipients') return { slots: 0, atMs: grant.atMs };
      const slots = rules.messages > 0 ? Math.max(0, rules.messages - next.sends.length) : Infinity;
      // Slow start: for a window after a pause, a few at a time, so that a server still at its
      // limit meets a handful of sends, not a whole claim already handed to the pool.
      const recentlyPaused = Number(found.pausedUntilMs ?? 0) > now - rules.windowMs;
      return { slots: recentlyPaused ? Math.min(slots, SLOW_START) : slots, atMs: now };
    },

    /** The server asked to slow down: the account rests until `untilMs`, on every instance. */
    async pause(account: string, untilMs: number, reason: string): Promise<void> {
      pauses.set(account, { untilMs, reason });
      await serial(account, async () => {
        const found = await row(account);
        if (Number(found.pausedUntilMs ?? 0) >= untilMs) return;
        // Unconditional on `version`: a pause only ever moves later, and counts stay as they are.
        await query().updateMany({
          where: { account },
          data: { pausedUntilMs: untilMs, pauseReason: reason.slice(0, 255) },
        });
      });
    },

    /** The account's state for the admin: pause, and what the windows hold. */
    async status(account: string) {
      const found = (await query().findOne({ where: { account } })) as Row | null;
      if (!found) return { pausedUntilMs: null, pauseReason: null, sentInWindow: 0, recipients: 0 };
      const now = Date.now();
      const { windowMs, recipientWindowMs } = windows();
      const usage = usageOf(found);
      const paused = Number(found.pausedUntilMs ?? 0);
      return {
        pausedUntilMs: paused > now ? paused : null,
        pauseReason: paused > now ? found.pauseReason : null,
        sentInWindow: usage.sends.filter((t) => t > now - windowMs).length,
        recipients: usage.buckets
          .filter(([start]) => start + recipientWindowMs / BUCKETS > now - recipientWindowMs)
          .reduce((sum, [, n]) => sum + n, 0),
      };
    },
  };
};

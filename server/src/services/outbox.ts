/**
 * The outbox: messages accepted by `send()` that could not go out at once, kept in the
 * plugin's own table (the delivery log's rows: queued → sending → sent | failed | cancelled)
 * until the mail server takes them. Composed once: the row holds the raw MIME and its
 * envelope, so every attempt sends the same bytes with the same Message-ID.
 *
 * Every instance runs this loop. A claim marks rows `sending` with this instance's id and a
 * deadline, in one transaction; on PostgreSQL and MySQL the rows are read `FOR UPDATE SKIP
 * LOCKED`, so two instances never claim the same row and neither waits for the other; SQLite
 * has one writer at a time, and the transaction is enough. A claim whose instance died is
 * taken over once its deadline passes: if the crash fell between the server's acceptance and
 * the row's update, that message goes out twice (at-least-once, one round trip wide).
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { isTransient, MailError, redactRefs, type ComposedMessage, type SendResult } from '../mail';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { OUTBOUND_UID } from './outbound-messages';

/**
 * Rows claimed at once and handed to the sender together (its pool of connections takes them
 * in turn): enough to keep the pool busy between two claims. A row's claim is renewed when its
 * send starts late (a stalled process), far within the claim's length otherwise.
 */
const CLAIM = 20;
/** How often an idle loop looks for rows other instances queued or left behind. */
const POLL_MS = 5_000;
/** Waits before each try to record sent rows (see flushSent). */
const RECORD_RETRIES_MS = [0, 200, 1_000, 3_000];
/** How long sent rows gather before their commit on SQLite (see flushSent). */
const SQLITE_GATHER_MS = 5;
/** Backoff is at least this. */
const MIN_BACKOFF_MS = 50;

/**
 * The wait before attempt `attempts + 1`: `firstMs` × 4ⁿ, with a floor (0 would retry without
 * pause) and a bounded exponent (4^512 is Infinity), at most 15 minutes. A server that says
 * how long to wait (Graph's Retry-After, a throttled account's pause) is taken at its word.
 * The one schedule of every retry, in memory (transport.ts) or from the outbox.
 */
export function retryDelay(
  firstMs: number,
  attempts: number,
  error?: MailError,
  maxMs = 15 * 60_000
): number {
  const step = Math.max(firstMs, MIN_BACKOFF_MS) * 4 ** Math.min(Math.max(attempts, 1) - 1, 10);
  const delay = Math.min(Math.max(step, MIN_BACKOFF_MS), Math.max(maxMs, MIN_BACKOFF_MS));
  return Math.max(delay, error?.retryAfterMs ?? 0);
}

/**
 * The server's reply to a send, with the recipients it refused while taking the message for
 * the others (the delivery log's Response column): a partial send is not a silent one.
 */
export function describeSent(result: SendResult): string {
  const refused = result.refused ?? [];
  if (!refused.length) return result.response;
  const later = new Set(result.deferred?.envelope.to ?? []);
  const one = (r: (typeof refused)[number]) => `${r.recipient} (${r.response || r.responseCode})`;
  const parts = [result.response];
  const never = refused.filter((r) => !later.has(r.recipient));
  const put = refused.filter((r) => later.has(r.recipient));
  if (never.length) parts.push(`refused for ${never.map(one).join(', ')}`);
  if (put.length) parts.push(`put off for ${put.map(one).join(', ')}: queued again for them`);
  return parts.join('; ');
}

/** A message to keep until it is sent. */
export interface QueuedMessage {
  composed: ComposedMessage;
  /** "to; cc; bcc", and the subject, as the delivery log shows them (references redacted here) */
  recipients: string;
  subject: string;
  displayMessageId: string;
  /** attempts so far (0: never tried, due at once) */
  attempts: number;
  /** what the last attempt ended with */
  error?: MailError;
  /** the settings revision of the attempts so far */
  revision?: number;
}

type Row = {
  id: number;
  raw: string | null;
  envelope: string | { from: string; to: string[] } | null;
  attempts: number | null;
  created_at: unknown;
  lifetime_start: unknown;
  error_code: string | null;
  subject?: string | null;
  message_id?: string | null;
  revision?: number | null;
  /** when this instance claimed it (set here, not read) */
  claimedAt?: number;
};

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const instance = crypto.randomUUID();
  const state = {
    stopped: false,
    loop: null as Promise<void> | null,
    /** ends the loop's sleep: a message was queued, or stop */
    wake: null as (() => void) | null,
    /** the earliest attempt this process knows to be due */
    due: Infinity,
    inFlight: new Set<Promise<unknown>>(),
  };

  const meta = () => strapi.db.metadata.get(OUTBOUND_UID as never);
  const column = (attribute: string) =>
    (meta().attributes[attribute] as { columnName?: string } | undefined)?.columnName ?? attribute;
  const table = () => meta().tableName;
  const knex = () => strapi.db.connection;
  const rowLocks = () => strapi.db.dialect.client !== 'sqlite';

  const backoff = (attempts: number, error?: MailError) => {
    const { retryDelayMs, maxRetryDelaySeconds } = getPluginConfig(strapi).send;
    return retryDelay(retryDelayMs, attempts, error, maxRetryDelaySeconds * 1000);
  };
  /** A claim lasts this long: far beyond one send (timeouts are at most 60 s per phase). */
  const claimMs = () => getPluginConfig(strapi).send.claimSeconds * 1000;

  // Readers of the log (delivery-log.read) must not learn approval signatures: every text
  // shown is redacted, as the log's own rows are (outbound-messages.ts).
  const shown = (text: string | undefined | null, max = 2000) =>
    text ? (redactRefs(String(text)) ?? '').slice(0, max) : null;
  const errorColumns = (error?: MailError) => ({
    [column('errorCode')]: error?.code ?? null,
    [column('errorMessage')]: error
      ? shown(`${error.diagnosis}${error.fix ? ` ${error.fix}` : ''}`)
      : null,
    [column('response')]: shown(error?.response),
  });

  /** Wakes the loop when something is due before its next look. */
  function nudge(at: number) {
    state.due = Math.min(state.due, at);
    state.wake?.();
  }

  /** Claims due rows (and rows whose claim expired) for this instance. */
  async function claim(limit: number): Promise<Row[]> {
    const now = Date.now();
    const c = column;
    return strapi.db.transaction(async ({ trx }) => {
      let query = trx(table())
        .select('id')
        .where((q: Knex.QueryBuilder) =>
          q.where(c('status'), 'queued').andWhere(c('nextAttemptMs'), '<=', now)
        )
        .orWhere((q: Knex.QueryBuilder) =>
          q.where(c('status'), 'sending').andWhere(c('claimedUntilMs'), '<', now)
        )
        .orderBy(c('nextAttemptMs'), 'asc')
        .limit(limit);
      if (rowLocks()) query = query.forUpdate().skipLocked();
      const ids = (await query).map((r: { id: number }) => r.id);
      if (ids.length === 0) return [];
      // Counted at the claim, not after the send: a message whose send ends the process (and
      // is taken over again and again) still counts its attempts and meets its lifetime.
      await trx(table())
        .whereIn('id', ids)
        .update({
          [c('status')]: 'sending',
          [c('claimedBy')]: instance,
          [c('claimedUntilMs')]: now + claimMs(),
          [c('attempts')]: trx.raw('COALESCE(??, 0) + 1', [c('attempts')]),
        });
      const rows: Row[] = await trx(table())
        .whereIn('id', ids)
        .select(
          'id',
          `${c('raw')} as raw`,
          `${c('envelope')} as envelope`,
          `${c('attempts')} as attempts`,
          `${c('createdAt')} as created_at`,
          `${c('lifetimeStartMs')} as lifetime_start`,
          `${c('errorCode')} as error_code`,
          `${c('subject')} as subject`,
          `${c('messageId')} as message_id`,
          `${c('revision')} as revision`
        );
      return rows.map((row) => ({ ...row, claimedAt: now }));
    });
  }

  /** Failures worth another attempt from the outbox: settings mid-change and the unknown too. */
  const retryable = (error: MailError) =>
    isTransient(error) || error.code === 'ECONFIG' || error.code === 'EUNKNOWN';

  /** One claimed row to the mail server, and its outcome on the row. */
  async function deliver(row: Row) {
    const c = column;
    // This attempt included (counted by the claim).
    const attempts = Number(row.attempts ?? 1);
    const mine = () => knex()(table()).where('id', row.id).andWhere(c('claimedBy'), instance);
    // Still ours, for the length of one send: a claim that expired meanwhile was taken over.
    // Renewed only when it aged (the process stalled): sent right after the claim, a row needs
    // no second write before its send.
    if (Date.now() - (row.claimedAt ?? 0) > claimMs() / 2) {
      const renewed = await mine()
        .andWhere(c('status'), 'sending')
        .update({ [c('claimedUntilMs')]: Date.now() + claimMs() });
      if (!renewed) return;
    }
    const started = Date.now();
    const lifetimeMs = getPluginConfig(strapi).send.queueLifetimeHours * 3_600_000;
    // From its queueing, or from an admin's resend.
    const created =
      row.lifetime_start != null
        ? Number(row.lifetime_start)
        : new Date(row.created_at as string | number).getTime();
    // Held back by throttling or the sending limits is waiting its turn, not failing: such a
    // message does not expire (the health strip shows the pause; an admin can cancel it).
    const expired =
      row.error_code !== 'ETHROTTLED' &&
      Number.isFinite(created) &&
      Date.now() - created > lifetimeMs;
    let result: SendResult;
    try {
      if (expired) {
        throw new MailError('ECONNECTION', 'The message waited longer than its queue lifetime.', {
          diagnosis: `The message could not be sent within send.queueLifetimeHours (${getPluginConfig(strapi).send.queueLifetimeHours} h).`,
          fix: 'Resend it once the mail server takes mail again.',
          reason: 'queue-lifetime',
        });
      }
      if (!row.raw || !row.envelope) {
        throw new MailError('EMESSAGE', 'The queued message has no content.', {
          diagnosis: 'The outbox row lost its message (edited in the database?).',
          reason: 'outbox-row-empty',
          permanent: true,
        });
      }
      const envelope = typeof row.envelope === 'string' ? JSON.parse(row.envelope) : row.envelope;
      result = await getService(strapi, 'transport').sendComposed({
        raw: Buffer.from(row.raw, 'base64'),
        envelope,
        messageId: '',
      });
    } catch (err) {
      const error =
        err instanceof MailError
          ? err
          : new MailError('EUNKNOWN', (err as Error)?.message ?? String(err), {
              diagnosis: 'Unexpected error while sending.',
            });
      // Throttled (the server's reply, or the limits that held it back) is not the message's
      // failure: it waits for the account, and its attempt is not counted.
      const throttled = error.code === 'ETHROTTLED';
      if (retryable(error) && !expired) {
        const next =
          Date.now() + (throttled ? (error.retryAfterMs ?? 0) : backoff(attempts, error));
        await mine().update({
          [c('status')]: 'queued',
          [c('attempts')]: throttled ? attempts - 1 : attempts,
          [c('nextAttemptMs')]: next,
          [c('claimedBy')]: null,
          ...errorColumns(error),
        });
        nudge(next);
      } else {
        // Refused for good (or queued too long): kept, with its MIME, for an admin to resend.
        await mine().update({
          [c('status')]: 'failed',
          [c('attempts')]: attempts,
          [c('claimedBy')]: null,
          ...errorColumns(error),
        });
        strapi.log.warn(
          `[mail-server] email failed (${error.code}) after ${attempts} attempt(s)${expired ? ', past the queue lifetime' : ''}: ${error.diagnosis}`
        );
      }
      return;
    }
    // Recipients the server put off get their copy before the row says sent (a crash between
    // the two sends the whole message again: at-least-once, as for any send).
    await deferRefused(result, {
      subject: row.subject ?? '',
      displayMessageId: row.message_id ?? '',
      revision: row.revision ?? undefined,
    }).catch((err: { code?: string }) =>
      strapi.log.error(
        `[mail-server] could not queue the copy for the recipients the server put off (${err?.code ?? 'error'})`
      )
    );
    // The window of at-least-once: accepted by the server, not yet recorded — one round trip
    // and the group commit it joins. A failure to record is not a failure to send: the row
    // stays claimed and is taken over (sent again) only if this instance never records it.
    await recordSent(row.id, {
      [c('status')]: 'sent',
      [c('raw')]: null,
      [c('attempts')]: attempts,
      // claimedBy stays: the instance that sent it.
      [c('durationMs')]: Date.now() - started,
      ...errorColumns(),
      [c('response')]: shown(describeSent(result)),
    });
  }

  async function enqueue(message: QueuedMessage, trx?: Knex): Promise<void> {
    const c = column;
    const now = new Date();
    const next =
      message.attempts === 0 && !message.error
        ? Date.now()
        : Date.now() + backoff(message.attempts, message.error);
    const row = {
      [c('documentId')]: crypto.randomBytes(15).toString('base64url').toLowerCase().slice(0, 24),
      [c('createdAt')]: now,
      [c('updatedAt')]: now,
      [c('publishedAt')]: now,
      [c('status')]: 'queued',
      [c('recipients')]: message.recipients,
      [c('subject')]: shown(message.subject),
      [c('messageId')]: shown(message.displayMessageId, 255),
      [c('raw')]: message.composed.raw.toString('base64'),
      [c('envelope')]: JSON.stringify(message.composed.envelope),
      [c('attempts')]: message.attempts,
      [c('nextAttemptMs')]: next,
      [c('lifetimeStartMs')]: now.getTime(),
      [c('revision')]: message.revision ?? null,
      ...errorColumns(message.error),
    };
    // Through Strapi's transaction, which joins the caller's when there is one (on SQLite's
    // single connection a second one would wait for the first forever); the loop is woken
    // once it commits (earlier, it would find nothing and sleep its poll interval).
    await strapi.db.transaction(async ({ trx: own, onCommit }) => {
      await (trx ?? own)(table()).insert(row);
      onCommit(() => nudge(next));
    });
  }

  /**
   * A copy of a message for the recipients the server put off (a 4xx to their RCPT TO) while it
   * took the message for the others: the same bytes and Message-ID, queued with its backoff.
   */
  async function deferRefused(
    result: SendResult,
    about: { subject: string; displayMessageId: string; revision?: number }
  ): Promise<void> {
    if (!result.deferred?.envelope.to.length) return;
    await enqueue({
      composed: result.deferred,
      recipients: result.deferred.envelope.to.join(', '),
      subject: about.subject,
      displayMessageId: about.displayMessageId || result.messageId,
      attempts: 1,
      error:
        result.deferredBy ??
        new MailError('EENVELOPE', 'Recipients put off by the server.', {
          diagnosis:
            'The server took the message for some recipients and asked to try the others later.',
        }),
      revision: about.revision,
    });
  }

  /**
   * Group commit of sent rows: each waits for the transaction its update joins, and the
   * updates that arrive while one commits go together in the next. On SQLite a commit is a
   * disk sync: one per batch of sends instead of one per message, without holding a single
   * update back longer than the commit before it.
   */
  const sent = {
    pending: [] as Array<{ id: number; data: object; done: (e?: unknown) => void }>,
    flushing: false,
    /** sent, but the record failed even after retries: never given back as unsent */
    unrecorded: new Map<number, object>(),
  };
  const writeSent = (batch: Array<{ id: number; data: object }>) =>
    strapi.db.transaction(async ({ trx }) => {
      for (const { id, data } of batch) {
        await trx(table()).where('id', id).andWhere(column('claimedBy'), instance).update(data);
      }
    });
  function recordSent(id: number, data: object): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      sent.pending.push({ id, data, done: (e) => (e ? reject(e) : resolve()) });
      if (!sent.flushing) void flushSent();
    });
  }
  async function flushSent() {
    sent.flushing = true;
    // SQLite commits on the event loop's own thread (better-sqlite3 is synchronous): no other
    // send can complete during a commit, so nothing would ever join the next one. A few
    // milliseconds let the sends finishing together share it.
    if (!rowLocks()) await new Promise((r) => setTimeout(r, SQLITE_GATHER_MS));
    while (sent.pending.length) {
      const batch = sent.pending.splice(0);
      let failure: unknown;
      // A passing database error must not make sent mail look unsent: tried again, a little
      // later, before giving up (and then kept for stop(), which tries once more).
      for (const wait of RECORD_RETRIES_MS) {
        if (wait) await new Promise((r) => setTimeout(r, wait));
        try {
          await writeSent(batch);
          failure = undefined;
          break;
        } catch (err) {
          failure = err;
        }
      }
      if (failure) for (const { id, data } of batch) sent.unrecorded.set(id, data);
      for (const p of batch) p.done(failure);
    }
    sent.flushing = false;
  }

  /**
   * Sends claimed rows together, each tracked so that stop() waits for it. While they wait for
   * a connection of the pool and go out, this instance's claims are renewed: a live instance
   * never loses a row to another (which would send it too), a dead one stops renewing.
   */
  async function deliverAll(rows: Row[]) {
    const keepalive = setInterval(
      () =>
        void knex()(table())
          .where(column('claimedBy'), instance)
          .andWhere(column('status'), 'sending')
          .update({ [column('claimedUntilMs')]: Date.now() + claimMs() })
          .catch(() => undefined),
      Math.max(1_000, claimMs() / 3)
    );
    try {
      await deliverEach(rows);
    } finally {
      clearInterval(keepalive);
    }
  }

  async function deliverEach(rows: Row[]) {
    await Promise.all(
      rows.map(async (row) => {
        const work = deliver(row).catch((err: Error) =>
          // Never the error's message: a database error can quote the row it failed on.
          strapi.log.error(
            `[mail-server] outbox: could not record a delivery (${(err as { code?: string }).code ?? 'error'})`
          )
        );
        state.inFlight.add(work);
        await work;
        state.inFlight.delete(work);
      })
    );
  }

  /** Waits `ms`, or less when woken. */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        state.wake = null;
        resolve();
      }
      state.wake = done;
    });

  /** Claims and sends until nothing is due, then sleeps until the next due time or poll. */
  async function loop() {
    while (!state.stopped) {
      let rows: Row[] = [];
      // No free slot under the sending limits (or a pause): nothing is claimed until then.
      let held = 0;
      try {
        const { slots, atMs } = await getService(strapi, 'transport').capacity();
        if (slots > 0) rows = await claim(Math.min(CLAIM, slots));
        else held = Math.max(MIN_BACKOFF_MS, atMs - Date.now());
      } catch (err) {
        strapi.log.warn(
          `[mail-server] outbox: could not claim queued mail (${(err as { code?: string }).code ?? 'error'})`
        );
      }
      if (rows.length) {
        await deliverAll(rows);
        continue;
      }
      const due = state.due;
      state.due = Infinity;
      await sleep(held ? Math.min(POLL_MS, held) : Math.min(POLL_MS, due - Date.now()));
    }
  }

  return {
    /**
     * Keeps a message for a later attempt: written (and committed, or in `trx`) before this
     * resolves, due after the backoff of its attempts so far.
     */
    enqueue,

    deferRefused,

    /** Wakes the loop: a row became due (an admin's resend). */
    wake() {
      nudge(Date.now());
    },

    /** Starts the loop (bootstrap); idempotent. */
    start() {
      state.stopped = false;
      state.loop ??= loop();
    },

    /** Runs a claim-and-send pass now (tests, "send queued mail now"); returns rows handled. */
    async runOnce(): Promise<number> {
      const rows = await claim(CLAIM);
      await deliverAll(rows);
      return rows.length;
    },

    /**
     * Sends what is due now, until nothing is (or `timeoutMs` passed): tests, and a clean stop
     * that lets answers to approvers go out first. Rows due later stay queued.
     */
    async flush(timeoutMs = Infinity): Promise<void> {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        await Promise.allSettled([...state.inFlight]);
        const handled = await this.runOnce();
        if (handled === 0 && state.inFlight.size === 0) return;
      }
    },

    /** Stops the loop, lets sends in flight finish, and gives back what it had claimed. */
    async stop() {
      state.stopped = true;
      state.wake?.();
      await state.loop;
      state.loop = null;
      await Promise.allSettled([...state.inFlight]);
      // Sent but not recorded: one more try; what still fails stays claimed, to be taken over
      // (sent again: at-least-once) only once the claim expires.
      const unrecorded = [...sent.unrecorded].map(([id, data]) => ({ id, data }));
      if (unrecorded.length) {
        await writeSent(unrecorded).then(
          () => sent.unrecorded.clear(),
          () => undefined
        );
      }
      await knex()(table())
        .where(column('claimedBy'), instance)
        .andWhere(column('status'), 'sending')
        .whereNotIn('id', [...sent.unrecorded.keys()])
        .update({
          [column('status')]: 'queued',
          [column('claimedBy')]: null,
          // Given back unsent: the claim's count is taken back too.
          [column('attempts')]: knex().raw('?? - 1', [column('attempts')]),
        })
        .catch(() => undefined);
    },
  };
};

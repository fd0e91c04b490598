/**
 * The delivery log: one row per email handed to the plugin, sent or not. Rows are written
 * behind the send (batched), so logging never slows a send down or fails it; `flush` runs in
 * destroy so a clean shutdown loses nothing.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type {
  DeliveryHealth,
  OutboundMessage,
  OutboundMessageList,
  OutboundMessageQuery,
} from '../../../shared/contracts/outbound-message';
import { redactRefs, type OutgoingMessage } from '../mail';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { PluginError } from '../errors';

export const OUTBOUND_UID = 'plugin::mail-server.outbound-message';
// One INSERT per second (or per 500 rows) at most: on SQLite each is a disk sync, which under
// a burst of sends cost more than building the rows. A crash loses at most that second of log.
const FLUSH_EVERY_MS = 1000;
const BATCH = 500;
const DAY_MS = 86_400_000;

/** "to; cc; bcc" as one short text for the delivery log. */
export function describeRecipients(message: OutgoingMessage): string {
  const text = (v: unknown): string =>
    v === undefined
      ? ''
      : Array.isArray(v)
        ? v.map(text).join(', ')
        : typeof v === 'string'
          ? v
          : String((v as { address?: string }).address ?? '');
  return [message.to, message.cc, message.bcc].map(text).filter(Boolean).join('; ').slice(0, 2000);
}

export interface DeliveryEntry {
  recipients: string;
  subject: string;
  messageId?: string;
  status: 'sent' | 'failed';
  errorCode?: string;
  errorMessage?: string;
  response?: string;
  attempts: number;
  durationMs: number;
  revision: number;
  /** a refused message's MIME (base64) and envelope, kept so that an admin can resend it */
  raw?: string;
  envelope?: string;
}

/** What the list shows of a row: never the queued message itself (raw), so a page stays small. */
const LISTED = [
  'id',
  'recipients',
  'subject',
  'messageId',
  'status',
  'errorCode',
  'errorMessage',
  'response',
  'attempts',
  'durationMs',
  'nextAttemptMs',
  'createdAt',
];

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let queue: DeliveryEntry[] = [];

  /** Rows as the API serves them; whether each can be sent again is one more small query. */
  async function toViews(rows: Array<Record<string, unknown>>): Promise<OutboundMessage[]> {
    const closed = rows.filter((r) => r.status === 'failed' || r.status === 'cancelled');
    const kept = new Set(
      closed.length === 0
        ? []
        : (
            await strapi.db.query(OUTBOUND_UID).findMany({
              where: { id: { $in: closed.map((r) => r.id) }, raw: { $notNull: true } },
              select: ['id'],
            })
          ).map((r: { id: number }) => r.id)
    );
    return rows.map((row) => ({
      id: row.id as number,
      recipients: (row.recipients as string) ?? null,
      subject: (row.subject as string) ?? null,
      messageId: (row.messageId as string) ?? null,
      status: row.status as OutboundMessage['status'],
      errorCode: (row.errorCode as string) ?? null,
      errorMessage: (row.errorMessage as string) ?? null,
      response: (row.response as string) ?? null,
      attempts: (row.attempts as number) ?? null,
      durationMs: (row.durationMs as number) ?? null,
      nextAttemptAt:
        row.status === 'queued' && row.nextAttemptMs != null
          ? new Date(Number(row.nextAttemptMs)).toISOString()
          : null,
      resendable: kept.has(row.id as number),
      createdAt: new Date(row.createdAt as string).toISOString(),
    }));
  }
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  /**
   * One multi-row INSERT straight through the query builder: the rows are flat and the table
   * is the plugin's own, and the entity manager's per-row processing cost a measurable share
   * of the send throughput (bench/send.ts).
   */
  function toColumns(rows: DeliveryEntry[]) {
    const meta = strapi.db.metadata.get(OUTBOUND_UID);
    const column = (attribute: string) =>
      (meta.attributes[attribute] as { columnName?: string } | undefined)?.columnName ?? attribute;
    const now = new Date();
    return {
      table: meta.tableName,
      values: rows.map((row) => {
        const out: Record<string, unknown> = {
          [column('documentId')]: crypto
            .randomBytes(15)
            .toString('base64url')
            .toLowerCase()
            .slice(0, 24),
          [column('createdAt')]: now,
          [column('updatedAt')]: now,
          [column('publishedAt')]: now,
        };
        for (const [key, value] of Object.entries(row)) out[column(key)] = value ?? null;
        return out;
      }),
    };
  }

  const write = async (rows: DeliveryEntry[]) => {
    try {
      const { table, values } = toColumns(rows);
      await strapi.db.getConnection(table).insert(values);
    } catch (err) {
      // The code only: a database error quotes the statement's values, and a refused
      // message's row carries its whole content.
      strapi.log.error(
        `[mail-server] could not write ${rows.length} delivery log rows (${(err as { code?: string }).code ?? 'error'})`
      );
    }
  };

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (queue.length) {
      const rows = queue;
      queue = [];
      // Serialised so rows land in the order they were sent.
      writing = writing.then(() => write(rows));
    }
    return writing;
  }

  return {
    record(entry: DeliveryEntry) {
      if (!getPluginConfig(strapi).deliveryLog.enabled) return;
      // Readers of the log (delivery-log.read) must not learn approval signatures.
      queue.push({
        ...entry,
        subject: redactRefs(entry.subject),
        messageId: redactRefs(entry.messageId),
        errorMessage: redactRefs(entry.errorMessage),
        response: redactRefs(entry.response),
      });
      if (queue.length >= BATCH) void flush();
      else timer ??= setTimeout(() => void flush(), FLUSH_EVERY_MS);
    },

    flush,

    /** A page of the log, newest first, filtered by status and part of a recipient. */
    async find(query: OutboundMessageQuery): Promise<OutboundMessageList> {
      await flush();
      const where: Record<string, unknown> = {};
      if (query.status) where.status = query.status;
      if (query.recipient) where.recipients = { $containsi: query.recipient };
      const [rows, total] = await Promise.all([
        strapi.db.query(OUTBOUND_UID).findMany({
          where,
          select: LISTED,
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          offset: (query.page - 1) * query.pageSize,
          limit: query.pageSize,
        }),
        strapi.db.query(OUTBOUND_UID).count({ where }),
      ]);
      return {
        data: await toViews(rows),
        meta: {
          pagination: {
            page: query.page,
            pageSize: query.pageSize,
            total,
            pageCount: Math.ceil(total / query.pageSize),
          },
        },
      };
    },

    /**
     * Sends a failed or cancelled message again, the same bytes and Message-ID (kept in the
     * row, never shown): queued now, with a fresh queue lifetime. ENOTFOUND, or ENOTRESENDABLE
     * when it is not failed or cancelled or its content was not kept.
     */
    async resend(id: number): Promise<OutboundMessage> {
      await flush();
      const now = Date.now();
      const { count } = await strapi.db.query(OUTBOUND_UID).updateMany({
        where: { id, status: { $in: ['failed', 'cancelled'] }, raw: { $notNull: true } },
        data: {
          status: 'queued',
          nextAttemptMs: now,
          lifetimeStartMs: now,
          attempts: 0,
          claimedBy: null,
          errorCode: null,
          errorMessage: null,
          response: null,
        },
      });
      const row = await this.findOne(id);
      if (count !== 1) {
        throw new PluginError(
          'ENOTRESENDABLE',
          'Only a failed or cancelled message whose content was kept can be sent again.'
        );
      }
      getService(strapi, 'outbox').wake();
      return row;
    },

    /** Cancels a queued message (not one being sent): ENOTFOUND, or ENOTQUEUED. */
    async cancel(id: number): Promise<OutboundMessage> {
      const { count } = await strapi.db.query(OUTBOUND_UID).updateMany({
        where: { id, status: 'queued' },
        data: { status: 'cancelled', nextAttemptMs: null },
      });
      const row = await this.findOne(id);
      if (count !== 1)
        throw new PluginError('ENOTQUEUED', 'Only a queued message can be cancelled.');
      return row;
    },

    /** The sending account's health: failure streak, pause, limits, and the queue's size. */
    async health(): Promise<DeliveryHealth> {
      const current = await getService(strapi, 'transport').account();
      const [queued, sending] = await Promise.all(
        (['queued', 'sending'] as const).map((status) =>
          strapi.db.query(OUTBOUND_UID).count({ where: { status } })
        )
      );
      const none = {
        failureStreak: 0,
        streakStartedAt: null,
        lastFailureAt: null,
        lastError: null,
      };
      const streak = current
        ? await getService(strapi, 'send-health').status(current.account)
        : none;
      const usage = current
        ? await getService(strapi, 'send-limits').status(current.account)
        : null;
      return {
        account: current?.account ?? null,
        limits: current?.limits ?? { messagesPerMinute: 0, recipientsPerDay: 0, preset: null },
        ...streak,
        pausedUntil: usage?.pausedUntilMs ? new Date(usage.pausedUntilMs).toISOString() : null,
        pauseReason: usage?.pauseReason ?? null,
        sentInWindow: usage?.sentInWindow ?? 0,
        recipientsToday: usage?.recipients ?? 0,
        queue: { queued, sending },
      };
    },

    /** One row as the list shows it; ENOTFOUND. */
    async findOne(id: number): Promise<OutboundMessage> {
      const row = await strapi.db.query(OUTBOUND_UID).findOne({ where: { id }, select: LISTED });
      if (!row) throw new PluginError('ENOTFOUND', 'No such message in the delivery log.');
      const [view] = await toViews([row]);
      return view!;
    },

    /** Deletes finished rows past the retention (never a queued one); returns how many. */
    async prune(now = Date.now()): Promise<number> {
      const days = getPluginConfig(strapi).deliveryLog.retentionDays;
      const before = new Date(now - days * DAY_MS);
      const result = await strapi.db.query(OUTBOUND_UID).deleteMany({
        where: { createdAt: { $lt: before }, status: { $in: ['sent', 'failed', 'cancelled'] } },
      });
      return result.count;
    },
  };
};

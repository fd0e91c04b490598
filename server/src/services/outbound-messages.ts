/**
 * The delivery log: one row per email handed to the plugin, sent or not. Rows are written
 * behind the send (batched), so logging never slows a send down or fails it; `flush` runs in
 * destroy so a clean shutdown loses nothing.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type {
  OutboundMessage,
  OutboundMessageList,
  OutboundMessageQuery,
} from '../../../shared/contracts/outbound-message';
import { redactRefs, type OutgoingMessage } from '../mail';
import { getPluginConfig } from '../utils/plugin-config';

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
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let queue: DeliveryEntry[] = [];
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
      strapi.log.error(
        `[mail-server] could not write ${rows.length} delivery log rows: ${(err as Error).message}`
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
          // Never the queued message itself (raw): a page of rows stays small.
          select: [
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
          ],
          orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
          offset: (query.page - 1) * query.pageSize,
          limit: query.pageSize,
        }),
        strapi.db.query(OUTBOUND_UID).count({ where }),
      ]);
      return {
        data: rows.map((row: Record<string, unknown>) => ({
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
          createdAt: new Date(row.createdAt as string).toISOString(),
        })),
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

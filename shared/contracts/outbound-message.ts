/** The delivery log (and outbox) as the admin API serves it. */
import { z } from 'zod';
import { pageOf } from './pagination';

/**
 * queued: kept for its next attempt; sending: an instance is sending it now; sent; failed:
 * refused for good or queued past its lifetime; cancelled: by an admin.
 */
export const OUTBOUND_STATUSES = ['queued', 'sending', 'sent', 'failed', 'cancelled'] as const;

export const outboundMessageQuerySchema = z
  .object({
    status: z.enum(OUTBOUND_STATUSES).optional(),
    /** part of an address; case-insensitive */
    recipient: z.string().trim().max(320).optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict();

export const outboundMessageSchema = z.object({
  id: z.number(),
  recipients: z.string().nullable(),
  subject: z.string().nullable(),
  messageId: z.string().nullable(),
  status: z.enum(OUTBOUND_STATUSES),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  response: z.string().nullable(),
  attempts: z.number().nullable(),
  durationMs: z.number().nullable(),
  /** when a queued message is tried next */
  nextAttemptAt: z.string().nullable(),
  /** failed or cancelled, with its content kept: an admin may send it again */
  resendable: z.boolean(),
  createdAt: z.string(),
});

export const outboundMessageListSchema = pageOf(outboundMessageSchema);

export type OutboundMessageQuery = z.infer<typeof outboundMessageQuerySchema>;
export type OutboundMessage = z.infer<typeof outboundMessageSchema>;
export type OutboundMessageList = z.infer<typeof outboundMessageListSchema>;

/** The sending account's state: its failure streak, a pause, the limits and the queue. */
export const deliveryHealthSchema = z.object({
  /** null when no SMTP server is configured */
  account: z.string().nullable(),
  limits: z.object({
    messagesPerMinute: z.number(),
    recipientsPerDay: z.number(),
    preset: z.enum(['microsoft']).nullable(),
  }),
  failureStreak: z.number(),
  streakStartedAt: z.string().nullable(),
  lastFailureAt: z.string().nullable(),
  lastError: z.object({ code: z.string(), diagnosis: z.string() }).nullable(),
  pausedUntil: z.string().nullable(),
  pauseReason: z.string().nullable(),
  /** messages sent in the current window, and recipients in the last day, when limited */
  sentInWindow: z.number(),
  recipientsToday: z.number(),
  queue: z.object({ queued: z.number(), sending: z.number() }),
});
export type DeliveryHealth = z.infer<typeof deliveryHealthSchema>;

/**
 * The contract of the reply analyser. The inbox job stores `reason` codes and tests match on
 * them, so a code once published keeps its meaning; the descriptions are for people.
 */
import { z } from 'zod';
import { SENDER_PROOFS } from './sender-proof';

/** Why a message carries no decision. Stable codes; never match on the description. */
export const REPLY_REASONS = {
  malformed: 'The message could not be parsed as an email',
  'too-large': 'The message is larger than the configured limit and was not read',
  'analysis-timeout':
    'Reading the message took longer than the limit (a hostile or pathological message); kept for a person',
  dsn: 'A delivery status notification (bounce)',
  'own-mail': 'Sent from one of our own addresses (a loop or a copy of our notification)',
  list: 'Mailing-list traffic',
  'auto-submitted': 'Auto-Submitted header other than "no" (RFC 3834)',
  precedence: 'Precedence bulk, junk, list or auto_reply',
  'auto-reply-header': 'An X-Autoreply / X-Autorespond / auto-* header',
  'auto-reply-subject': 'An out-of-office or automatic-reply subject',
  'auto-sender': 'Sent by mailer-daemon, postmaster or a no-reply address',
  mdn: 'A read receipt (message disposition notification)',
  'no-decision-line': 'The first meaningful line of the reply does not start with a decision word',
  ambiguous: 'The first line holds both an approval and a rejection word, or asks a question',
  negated: 'The first line holds a negation ("I do not approve", "APPROVE, but not before Monday")',
} as const;

export type ReplyReason = keyof typeof REPLY_REASONS;
const reasonCodes = Object.keys(REPLY_REASONS) as [ReplyReason, ...ReplyReason[]];

export const REPLY_KINDS = ['reply', 'auto-reply', 'bounce', 'other'] as const;
export type ReplyKind = (typeof REPLY_KINDS)[number];
export type Decision = 'approve' | 'reject';

/** What analyzeReply returns; also what the CLI prints. Exported so callers can re-validate. */
export const replyAnalysisSchema = z
  .object({
    kind: z.enum(REPLY_KINDS),
    decision: z.enum(['approve', 'reject']).nullable(),
    comment: z.string(),
    /** lowercased address of the first From mailbox, '' when there is none */
    from: z.string(),
    inReplyTo: z.string().nullable(),
    /** msg-ids of the References header, oldest first, at most the last 32 */
    references: z.array(z.string()).max(32),
    /** the approval reference token (APR-…) found in the subject, the reply or the quote */
    reference: z.string().nullable(),
    reason: z.enum(reasonCodes).optional(),
    messageId: z.string().nullable(),
    subject: z.string(),
    /** the reply with quotes, forwarded parts and signatures removed */
    text: z.string(),
    /** what proves that `from` sent it (sender-proof.ts); null: only the forgeable From header */
    senderProof: z.enum(SENDER_PROOFS).nullable(),
  })
  .strict()
  // A decision is only ever taken from a human reply, and a missing one always says why.
  .refine((a) => a.decision === null || a.kind === 'reply', { message: 'decision on a non-reply' })
  .refine((a) => (a.decision === null) === (a.reason !== undefined), {
    message: 'reason must be set exactly when there is no decision',
  });

export type ReplyAnalysis = z.infer<typeof replyAnalysisSchema>;

export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

export const analyzeOptionsSchema = z
  .object({
    /** addresses the plugin sends from; mail from them is never a decision */
    ownAddresses: z.array(z.string().max(998)).max(1000).default([]),
    /** larger messages are refused unread (kind 'other', reason 'too-large') */
    maxBytes: z.number().int().positive().default(DEFAULT_MAX_BYTES),
    /** which servers' headers prove a sender (sender-proof.ts); by default none */
    trust: z
      .object({
        authservIds: z.array(z.string().trim().toLowerCase().min(1).max(253)).max(20).default([]),
        exchange: z.boolean().default(false),
      })
      .strict()
      .default({ authservIds: [], exchange: false }),
  })
  .strict();

export type AnalyzeOptions = z.input<typeof analyzeOptionsSchema>;

/** An analysis that carries no decision; the starting point for every early return. */
export function noDecision(kind: ReplyKind, reason: ReplyReason): ReplyAnalysis {
  return {
    kind,
    decision: null,
    comment: '',
    from: '',
    inReplyTo: null,
    references: [],
    reference: null,
    reason,
    messageId: null,
    subject: '',
    text: '',
    senderProof: null,
  };
}

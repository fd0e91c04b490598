/** Approvals by email reply: the request API, shared by the server and the admin. */
import { z } from 'zod';

export const APPROVAL_STATUSES = [
  'pending',
  'approved',
  'rejected',
  'expired',
  'cancelled',
] as const;

export const approvalRequestInputSchema = z
  .object({
    uid: z
      .string()
      .regex(/^[a-z0-9-]+::[a-z0-9-]+\.[a-z0-9-]+$/, { message: 'must be a content-type uid' }),
    documentId: z.string().min(1).max(100),
    locale: z.string().min(1).max(20).optional(),
    approvers: z
      .array(
        z
          .email()
          .max(254)
          .transform((a) => a.toLowerCase())
      )
      .min(1)
      .max(20)
      .refine((list) => new Set(list).size === list.length, {
        message: 'must not repeat an address',
      }),
    policy: z.enum(['any', 'all']).default('any'),
    action: z.string().min(1).max(100).default('publish'),
    /** seconds until the request expires; default 7 days */
    expiresIn: z
      .number()
      .int()
      .min(60)
      .max(90 * 86400)
      .default(7 * 86400),
    note: z.string().max(2000).optional(),
  })
  .strict();

export type ApprovalRequestInput = z.input<typeof approvalRequestInputSchema>;
export type ApprovalRequestParams = z.output<typeof approvalRequestInputSchema>;

export const approvalDecisionSchema = z.object({
  approver: z.string(),
  decision: z.enum(['approve', 'reject']),
  comment: z.string(),
  at: z.string(),
  inboundMessageId: z.number().nullable(),
  /** the Strapi admin user the decision is recorded as (the approver's account) */
  by: z.object({ id: z.number(), email: z.string() }).optional(),
  /** set when an admin accepted a quarantined reply: who, and the entry version they confirmed */
  acceptedBy: z
    .object({
      id: z.number().optional(),
      email: z.string(),
      confirmedVersion: z.string().optional(),
    })
    .optional(),
});

export type ApprovalDecision = z.infer<typeof approvalDecisionSchema>;

export const approvalListQuerySchema = z
  .object({
    status: z.enum(APPROVAL_STATUSES).optional(),
    uid: z.string().max(200).optional(),
    documentId: z.string().max(100).optional(),
  })
  .strict();

/** `:id` of a request or an inbound message. */
export const idParamSchema = z.object({ id: z.coerce.number().int().positive() });

/** A pasted raw message for the decision simulator. */
export const analyzeRequestSchema = z
  .object({
    raw: z
      .string()
      .min(1)
      .max(10 * 1024 * 1024),
  })
  .strict();

/* ----- answers of the approvals routes: built by the server, parsed by the admin page ----- */

export const nullableString = z.string().nullable().optional();

/**
 * The entry a request is about, as the list shows it (server/src/approvals/entries.ts): title
 * from the type's main field, and the edit view; no title nor link for an admin whose role may
 * not read the type.
 */
export const approvalEntrySchema = z.object({
  uid: z.string(),
  displayName: z.string(),
  documentId: z.string(),
  locale: z.string().nullable(),
  readable: z.boolean(),
  title: z.string().nullable(),
  /** the edit view, under the admin panel's path: /content-manager/collection-types/… */
  path: z.string().nullable(),
});
export type ApprovalEntry = z.infer<typeof approvalEntrySchema>;

/** A reply that referred to a request: the audit trail beside its decisions. */
export const approvalReplySchema = z.object({
  id: z.number(),
  fromAddress: z.string().nullable(),
  createdAt: z.string().nullable(),
  verdict: z.string(),
  reason: z.string().nullable(),
  decision: z.string().nullable(),
  /** "accepted by …" / "discarded by …" once an admin reviewed a held reply */
  resolution: z.string().nullable(),
});
export type ApprovalReply = z.infer<typeof approvalReplySchema>;

export const approvalRowSchema = z.looseObject({
  id: z.number(),
  targetUid: z.string(),
  targetDocumentId: z.string(),
  title: nullableString,
  action: nullableString,
  approvers: z.array(z.string()),
  policy: z.string(),
  status: z.string(),
  expiresAt: nullableString,
  note: nullableString,
  /** who asked: the admin's email, or an object holding it */
  requestedBy: z.unknown().optional(),
  decisions: z.array(approvalDecisionSchema).nullable().optional(),
  decidedAt: nullableString,
  createdAt: nullableString,
  entry: approvalEntrySchema.optional(),
  replies: z.array(approvalReplySchema).optional(),
});
export type ApprovalRow = z.infer<typeof approvalRowSchema>;

export const simulationSchema = z.looseObject({
  analysis: z.looseObject({
    kind: nullableString,
    decision: nullableString,
    comment: nullableString,
    from: nullableString,
    inReplyTo: nullableString,
    reference: z.unknown().optional(),
    reason: nullableString,
    subject: nullableString,
  }),
  verdict: z.string(),
  reason: nullableString,
  request: z
    .looseObject({ id: z.number(), title: nullableString, status: z.string() })
    .nullable()
    .optional(),
});
export type Simulation = z.infer<typeof simulationSchema>;

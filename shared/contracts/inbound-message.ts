/**
 * The inbound messages (every email the approvals mailbox received, with its verdict; the
 * quarantine is those held for review): the API shared by the server and the admin.
 */
import { z } from 'zod';
import { pageOf } from './pagination';
import { nullableString } from './approval';

export const INBOUND_VERDICTS = ['applied', 'ignored', 'quarantined', 'failed'] as const;

export const inboundListQuerySchema = z
  .object({
    verdict: z.enum(INBOUND_VERDICTS).optional(),
    requestId: z.coerce.number().int().positive().optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
    pageSize: z.coerce.number().int().min(1).max(100).default(25),
  })
  .strict();
export type InboundListQuery = z.infer<typeof inboundListQuerySchema>;

/** `POST /inbound-messages/:id/accept`: confirm the entry as it is now, when it changed. */
export const acceptBodySchema = z
  .object({ confirmCurrentVersion: z.boolean().default(false) })
  .strict()
  .default({ confirmCurrentVersion: false });

/* ----- answers of GET /inbound-messages: built by the server, parsed by the admin page ----- */

export const inboundRowSchema = z.looseObject({
  id: z.number(),
  messageId: nullableString,
  fromAddress: nullableString,
  subject: nullableString,
  kind: nullableString,
  verdict: nullableString,
  reason: nullableString,
  requestId: z.number().nullable().optional(),
  approver: nullableString,
  decision: nullableString,
  comment: nullableString,
  resolution: nullableString,
  createdAt: nullableString,
});
export type InboundRow = z.infer<typeof inboundRowSchema>;

/** The whole answer: a page of rows and where it sits (as the delivery log's). */
export const inboundListSchema = pageOf(inboundRowSchema);
export type InboundList = z.infer<typeof inboundListSchema>;

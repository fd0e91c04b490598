import { z } from 'zod';

/** A failure as a Test result shows it: the stable code, what is wrong, what to change. */
export const diagnosedErrorSchema = z.object({
  code: z.string(),
  reason: z.string().nullable(),
  diagnosis: z.string(),
  fix: z.string().nullable(),
});

/**
 * The approvals mailbox job as the admin sees it: the last pass (when, what it did, how it
 * ended) and, while passes fail, since when and with which error. Shared by every instance.
 */
export const inboxHealthSchema = z.object({
  /** false: no IMAP section saved (sending still works) */
  configured: z.boolean(),
  lastRunAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  result: z.enum(['ok', 'failed']).nullable(),
  /** what the last pass did */
  counts: z.object({
    handled: z.number(),
    applied: z.number(),
    quarantined: z.number(),
    ignored: z.number(),
    failed: z.number(),
  }),
  /** failed passes in a row, and since when */
  failures: z.number(),
  failingSince: z.string().nullable(),
  error: diagnosedErrorSchema.nullable(),
});
export type InboxHealth = z.infer<typeof inboxHealthSchema>;
export type DiagnosedError = z.infer<typeof diagnosedErrorSchema>;

/**
 * The "Test" buttons: request and result, shared by the admin page and the server.
 * A failed test is a result (200, `ok: false`), not an HTTP error: the page shows the steps.
 */
import { z } from 'zod';
import { DESTINATION_PARTS, imapRequestSchema, smtpRequestSchema } from './settings';

export const smtpTestRequestSchema = z
  .object({
    /** unsaved form values; omitted: test the saved settings */
    smtp: smtpRequestSchema.optional(),
    /** also send a real test message to this address */
    to: z.email().max(254).optional(),
  })
  .strict();

export const imapTestRequestSchema = z.object({ imap: imapRequestSchema.optional() }).strict();

/** The steps of a Test, in order: the one list (mail/types.ts derives ProbeStepName from it). */
export const PROBE_STEPS = [
  'resolve',
  'connect',
  'tls',
  'greeting',
  'authenticate',
  'send',
  'mailbox',
  'folder',
  /** IMAP: how replies will prove their sender (a settings check, no network) */
  'sender',
] as const;

export const probeStepSchema = z.object({
  name: z.enum(PROBE_STEPS),
  status: z.enum(['ok', 'failed', 'skipped', 'warning']),
  ms: z.number(),
  detail: z.string().optional(),
});

export const probeErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  diagnosis: z.string(),
  fix: z.string().optional(),
  response: z.string().optional(),
  responseCode: z.number().optional(),
  command: z.string().optional(),
  /** which of several diagnoses with one code, e.g. 'smtp-auth-disabled' or 'AADSTS50194' */
  reason: z.string().optional(),
  /**
   * ESECRETDEST: the parts of the destination the form changed since the secret was saved
   * (reason `destination-changed`), so that the page can say which, in its language.
   */
  changed: z.array(z.enum(DESTINATION_PARTS)).optional(),
  /** ESECRETDEST: which secret was withheld */
  secret: z.enum(['password', 'clientSecret', 'clientCertificate']).optional(),
});

export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  /** `saved`: the stored settings were tested; `form`: values sent with the request */
  source: z.enum(['saved', 'form']),
  steps: z.array(probeStepSchema),
  error: probeErrorSchema.optional(),
  durationMs: z.number(),
});

export type SmtpTestRequest = z.infer<typeof smtpTestRequestSchema>;
export type ImapTestRequest = z.infer<typeof imapTestRequestSchema>;
export type ConnectionTestResult = z.infer<typeof connectionTestResultSchema>;

/**
 * What a caller of Strapi's email service may send, validated and turned into a nodemailer
 * message. Anything that would let a caller read local files or fetch URLs (attachment
 * `path`/`href`) is refused, as Strapi's own nodemailer provider does.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { MailError } from './errors';

// Strapi passes `replyTo: ''` when no default is configured: an empty address means "none".
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const address = z.union([
  z.string().min(1),
  z.object({ name: z.string().optional().default(''), address: z.string().min(3) }),
]);
const optionalAddress = z.preprocess(blankToUndefined, address.optional());
const addresses = z.union([address, z.array(address).min(1)]);
const content = z.union([
  z.string(),
  // Buffer is a Uint8Array; a plain Uint8Array is wrapped without copying.
  z
    .instanceof(Uint8Array)
    .transform((bytes) =>
      Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    ),
  z.custom<Readable>((v) => v instanceof Readable, {
    message: 'must be a string, Buffer or stream',
  }),
]);

const attachment = z
  .object({
    filename: z.string().max(255).optional(),
    content,
    contentType: z.string().max(255).optional(),
    contentDisposition: z.enum(['attachment', 'inline']).optional(),
    cid: z.string().max(255).optional(),
    encoding: z.string().max(32).optional(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

export const outgoingMessageSchema = z
  .object({
    from: optionalAddress,
    to: addresses,
    cc: addresses.optional(),
    bcc: addresses.optional(),
    replyTo: optionalAddress,
    sender: optionalAddress,
    subject: z.string().max(998).default(''),
    text: z.string().optional(),
    html: z.string().optional(),
    attachments: z.array(attachment).max(100).optional(),
    headers: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
    messageId: z.string().max(998).optional(),
    inReplyTo: z.string().max(998).optional(),
    references: z.union([z.string(), z.array(z.string())]).optional(),
    priority: z.enum(['high', 'normal', 'low']).optional(),
    date: z.union([z.date(), z.string()]).optional(),
    envelope: z.object({ from: z.string().optional(), to: addresses.optional() }).optional(),
  })
  // Unknown keys (templates' leftovers, `type`…) are dropped rather than refused: callers
  // of Strapi's email service pass whatever the previous provider accepted.
  .strip();

export type OutgoingMessage = z.input<typeof outgoingMessageSchema>;
export type ValidMessage = z.output<typeof outgoingMessageSchema>;

export function parseMessage(input: unknown): ValidMessage {
  const result = outgoingMessageSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.join('.') || 'message';
  throw new MailError('EMESSAGE', `Invalid email: ${where} ${issue?.message ?? ''}`.trim(), {
    diagnosis: `The email given to Strapi's email service is invalid: ${where} ${issue?.message ?? ''}.`,
    fix: 'Fix the options passed to strapi.plugin("email").service("email").send().',
  });
}

/** The nodemailer message, with file and URL access switched off after everything else. */
export function toNodemailer(message: ValidMessage) {
  return {
    ...message,
    // Strapi's providers send text as HTML fallback and vice versa; keep that contract.
    text: message.text ?? (message.html === undefined ? '' : undefined),
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

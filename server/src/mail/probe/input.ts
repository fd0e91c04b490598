/**
 * Input checks shared by the probes. Settings are validated by the plugin's own schema long
 * before this point; this guards the core when it is called from code, and turns a bad value
 * into an ECONFIG result instead of an obscure socket error.
 */
import { z } from 'zod';
import { MailError } from '../errors';

const endpointSchema = z.object({
  host: z
    .string()
    .trim()
    .min(1, 'the host is empty')
    .max(253)
    .regex(/^[^\s/:@]+$|^[0-9a-f:.]+$/i, 'the host must be a bare host name or IP address'),
  port: z.number().int().min(1).max(65535),
  security: z.enum(['tls', 'starttls', 'none']),
});

const probeSchema = z.object({
  endpoint: endpointSchema,
  timeoutMs: z.number().int().min(100).max(300_000).optional(),
  auth: z
    .object({ user: z.string().min(1, 'the user name is empty') })
    .loose()
    .optional(),
});

/** Returns an ECONFIG MailError describing the first problem, or undefined when valid. */
export function checkProbeInput(input: unknown): MailError | undefined {
  const parsed = probeSchema.safeParse(input);
  if (parsed.success) return undefined;
  const issue = parsed.error.issues[0];
  const path = issue.path.join('.');
  return new MailError('ECONFIG', `Invalid ${path}: ${issue.message}`, {
    diagnosis: `The connection settings are invalid: ${path} — ${issue.message}.`,
    fix: 'Correct the value in the settings and test again.',
  });
}

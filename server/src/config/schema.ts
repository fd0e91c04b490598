/**
 * The plugin's own config (`config/plugins.ts` of the app → `'mail-server': { config: {...} }`).
 * Validated at boot by Strapi's `validator`, so a typo fails fast instead of at the first send.
 */
import { z } from 'zod';
import {
  imapInputSchema,
  oauth2InputSchema,
  smtpInputSchema,
} from '../../../shared/contracts/settings';

/**
 * Values usually come from `env('SMTP_HOST')`, which is undefined when the variable is unset:
 * undefined, null or '' mean "not set here", so the stored setting applies.
 */
function dropUnset(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const kept = Object.entries(raw).filter(([, v]) => v !== undefined && v !== null && v !== '');
  return Object.fromEntries(kept.map(([k, v]) => [k, dropUnset(v)]));
}

/**
 * zod applies a field's default even inside `.partial()`, which would turn every field into a
 * config override. Keep only the keys the config really gives.
 */
function pickGiven(parsed: unknown, given: unknown): unknown {
  if (!parsed || typeof parsed !== 'object' || !given || typeof given !== 'object') return parsed;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(given)) {
    const value = (parsed as Record<string, unknown>)[key];
    out[key] = key === 'oauth2' ? pickGiven(value, (given as Record<string, unknown>)[key]) : value;
  }
  return out;
}

const overrideOf = <T extends z.ZodType>(schema: T) =>
  z
    .unknown()
    .optional()
    .transform((raw, ctx): z.infer<T> => {
      const given = dropUnset(raw ?? {});
      const result = schema.safeParse(given);
      if (!result.success) {
        for (const issue of result.error.issues) {
          ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
        }
        return z.NEVER;
      }
      return pickGiven(result.data, given) as z.infer<T>;
    });

const secret = z.string().min(1).optional();
const oauth2Override = oauth2InputSchema
  .partial()
  .extend({ clientSecret: secret, clientCertificate: secret })
  .strict();

const smtpOverride = smtpInputSchema
  .partial()
  .extend({ password: secret, oauth2: oauth2Override.optional() })
  .strict();
const imapOverride = imapInputSchema
  .partial()
  .extend({ password: secret, oauth2: oauth2Override.optional() })
  .strict();

/**
 * `testTimeoutSeconds`, the name of `timeoutSeconds` up to 0.1 (it bounded sends and inbox reads
 * too, not only tests), is still read, so existing configs keep working; the new name wins.
 */
function renameDeprecated(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || !('testTimeoutSeconds' in raw)) return raw;
  const { testTimeoutSeconds, ...rest } = raw as Record<string, unknown>;
  return { timeoutSeconds: testTimeoutSeconds, ...rest };
}

const configObject = z
  .object({
    /** per-field overrides of the SMTP section; a field set here is locked in the admin page */
    smtp: overrideOf(smtpOverride),
    imap: overrideOf(imapOverride),
    /**
     * Key for the AES-256-GCM encryption of stored secrets. Defaults to the admin's
     * `admin.secrets.encryptionKey` (ENCRYPTION_KEY), which every Strapi 5 app has.
     */
    encryptionKey: z.string().min(16).optional(),
    tls: z
      .object({
        /** extra trusted CA certificates (PEM text or paths to PEM files), e.g. a company CA */
        ca: z.union([z.string(), z.array(z.string())]).optional(),
      })
      .strict()
      .default({}),
    /** install the plugin as Strapi's email provider in bootstrap */
    replaceEmailProvider: z.boolean().default(true),
    /** how sends are pooled and retried */
    send: z
      .object({
        maxConnections: z.number().int().min(1).max(50).default(5),
        maxMessagesPerConnection: z.number().int().min(1).max(10_000).default(100),
        /**
         * immediate retries of a transient failure (connection lost, timeout, 4xx reply) before
         * the message goes to the outbox, which retries it from then on
         */
        retries: z.number().int().min(0).max(5).default(0),
        /** first retry delay; each next one is four times longer (at most 15 minutes) */
        retryDelayMs: z.number().int().min(0).max(60_000).default(500),
        /** a message the server keeps refusing for a passing reason fails after this long */
        queueLifetimeHours: z
          .number()
          .min(0.01)
          .max(24 * 30)
          .default(48),
        /**
         * The windows the sending limits count over (a minute and a day, as Microsoft counts);
         * a throttling reply pauses the account for one message window. Shorter in tests.
         */
        limitWindowSeconds: z.number().min(1).max(3600).default(60),
        /** the longest wait between two attempts of a queued message (Postfix: maximal_backoff_time) */
        maxRetryDelaySeconds: z.number().min(1).max(3600).default(900),
        /**
         * how long an instance's claim on a message lasts: past it, another instance takes the
         * message over (its claimer died). Longer than one send can take.
         */
        claimSeconds: z.number().min(1).max(3600).default(300),
        /** failed attempts in a row after which `mail-server.delivery.failing` is emitted */
        alertAfterFailures: z.number().int().min(1).max(10_000).default(5),
        recipientWindowSeconds: z
          .number()
          .min(1)
          .max(7 * 86400)
          .default(86400),
      })
      .strict()
      .default({
        maxConnections: 5,
        maxMessagesPerConnection: 100,
        retries: 0,
        retryDelayMs: 500,
        queueLifetimeHours: 48,
        limitWindowSeconds: 60,
        maxRetryDelaySeconds: 900,
        claimSeconds: 300,
        alertAfterFailures: 5,
        recipientWindowSeconds: 86400,
      }),
    deliveryLog: z
      .object({
        enabled: z.boolean().default(true),
        /** rows older than this are deleted daily */
        retentionDays: z.number().int().min(1).max(3650).default(30),
      })
      .strict()
      .default({ enabled: true, retentionDays: 30 }),
    inbox: z
      .object({
        /** keep an IMAP IDLE connection for near-instant decisions (when the IMAP settings allow) */
        idle: z.boolean().default(true),
        /**
         * hard limit on reading one message (ms); beyond it the message is quarantined as
         * analysis-timeout. Any message up to 10 MB takes under 3 s on 2 cores (bench/hostile.ts)
         */
        analysisTimeoutMs: z.number().int().min(50).max(120_000).default(15_000),
        /**
         * Over Microsoft Graph (no IDLE), how often the folder is looked at while IDLE is on:
         * one request each time, within Graph's 10,000 per 10 minutes per app and mailbox
         */
        graphPollSeconds: z.number().min(1).max(300).default(3),
        /** inbound-message rows are deleted after this many days (unreviewed held ones stay) */
        retentionDays: z.number().int().min(1).max(3650).default(90),
      })
      .strict()
      .default({ idle: true, analysisTimeoutMs: 15_000, graphPollSeconds: 3, retentionDays: 90 }),
    approvals: z
      .object({
        /** approval requests one admin user may make per hour (each emails its approvers) */
        maxRequestsPerHour: z.number().int().min(1).max(10_000).default(30),
        /**
         * hours before its expiry a request reminds the approvers who have not answered (once,
         * through the outbox, by whichever instance runs the expiry check); 0 sends none
         */
        reminderBeforeHours: z
          .number()
          .min(0)
          .max(90 * 24)
          .default(24),
      })
      .strict()
      .default({ maxRequestsPerHour: 30, reminderBeforeHours: 24 }),
    /**
     * seconds one network phase (connect, greeting, sign-in, a command) may take before the
     * server is called dead: in the Test buttons, in sends and in inbox reads
     */
    timeoutSeconds: z.number().int().min(1).max(60).default(10),
  })
  .strict();

export const pluginConfigSchema = z.preprocess(renameDeprecated, configObject);

export type PluginConfig = z.infer<typeof pluginConfigSchema>;
export type SmtpOverride = z.infer<typeof smtpOverride>;
export type ImapOverride = z.infer<typeof imapOverride>;

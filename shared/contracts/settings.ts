/**
 * The settings contract, shared by the server (validation of every request) and the admin page
 * (form validation and response parsing), so the two can never disagree on what is valid.
 */
import { z } from 'zod';

export const SECURITY = ['tls', 'starttls', 'none'] as const;
export const OAUTH2_GRANTS = ['client_credentials', 'authorization_code', 'password'] as const;
/** How the app proves itself to Entra ID: a client secret, or a certificate (Entra's advice). */
export const OAUTH2_CREDENTIALS = ['secret', 'certificate'] as const;
export const DEFAULT_AUTHORITY_HOST = 'login.microsoftonline.com';

/**
 * Microsoft's clouds: one choice drives where to sign in, the Outlook host the IMAP/SMTP token
 * is for, and the Graph host.
 * https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud,
 * https://learn.microsoft.com/graph/deployments,
 * https://learn.microsoft.com/microsoft-365/enterprise/microsoft-365-u-s-government-gcc-high-endpoints,
 * https://learn.microsoft.com/microsoft-365/enterprise/microsoft-365-u-s-government-dod-endpoints,
 * https://learn.microsoft.com/microsoft-365/enterprise/urls-and-ip-address-ranges-21vianet
 */
export const MICROSOFT_CLOUDS = {
  global: {
    authority: DEFAULT_AUTHORITY_HOST,
    outlook: 'outlook.office365.com',
    graph: 'graph.microsoft.com',
  },
  usgov: {
    authority: 'login.microsoftonline.us',
    outlook: 'outlook.office365.us',
    graph: 'graph.microsoft.us',
  },
  usgovdod: {
    authority: 'login.microsoftonline.us',
    outlook: 'outlook-dod.office365.us',
    graph: 'dod-graph.microsoft.us',
  },
  china: {
    authority: 'login.partner.microsoftonline.cn',
    outlook: 'partner.outlook.cn',
    graph: 'microsoftgraph.chinacloudapi.cn',
  },
} as const;
export type MicrosoftCloud = keyof typeof MICROSOFT_CLOUDS;
const CLOUD_NAMES = Object.keys(MICROSOFT_CLOUDS) as [MicrosoftCloud, ...MicrosoftCloud[]];
/**
 * The hosts a section's OAuth2 uses. The authority host field is an override (a proxy, the
 * tests' local identity platform, or a national cloud's authority saved before the cloud
 * setting existed); left at the stored default, or at the chosen cloud's own, it follows the
 * cloud.
 */
export function cloudHosts(oauth2: { cloud: MicrosoftCloud; authorityHost: string }) {
  const cloud = MICROSOFT_CLOUDS[oauth2.cloud];
  const override = oauth2.authorityHost.trim().toLowerCase();
  const follows = !override || override === DEFAULT_AUTHORITY_HOST || override === cloud.authority;
  return {
    authority: follows ? cloud.authority : override,
    outlook: cloud.outlook,
    graph: cloud.graph,
  };
}

/**
 * The parts of a section that decide where its secrets go (server/src/settings/destination.ts):
 * a saved secret is only ever used for the exact destination it was saved for. Stable names:
 * a withheld secret's answer lists the ones that changed, and the page words them.
 */
export const DESTINATION_PARTS = [
  'transport',
  'host',
  'port',
  'security',
  'username',
  'oauth2.enabled',
  'oauth2.grant',
  'oauth2.authorityHost',
  'oauth2.cloud',
  'oauth2.tenantId',
  'oauth2.clientId',
  'oauth2.scopes',
] as const;
export type DestinationPart = (typeof DESTINATION_PARTS)[number];

/** Exchange Online endpoints of every cloud (smtp.office365.com, outlook.office365.us, …). */
export const isMicrosoftHost = (host: string) =>
  /(^|\.)(office365\.(com|us)|outlook\.(com|office365\.com)|partner\.outlook\.cn|office\.com)\.?$/i.test(
    host.trim()
  );

/** Aliases that name no tenant: an app-only token must name its organisation. */
export const TENANT_ALIASES = ['common', 'organizations', 'consumers'] as const;

/** Ports used when the port is left empty: the IANA/RFC 8314 defaults for each security mode. */
export const DEFAULT_PORTS = {
  smtp: { tls: 465, starttls: 587, none: 25 },
  imap: { tls: 993, starttls: 143, none: 143 },
} as const;

/**
 * What an admin pastes into a host field is often a URL (`smtps://mail.example.com:465`,
 * `https://login.microsoftonline.us/`) or `host:port`: the host, and the port (and, for a
 * scheme that implies it, the security) are taken from it instead of refusing it. The form
 * splits it as it is typed; the API does the same, so an API client gets the same result.
 * Returns null when the value is not such a form (a bare host, or something else entirely).
 */
export interface SplitHost {
  host: string;
  port?: number;
  security?: (typeof SECURITY)[number];
}
/** Schemes that say the connection is TLS from the first byte (RFC 8314). */
const IMPLICIT_TLS_SCHEMES = new Set(['smtps', 'imaps']);
const URL_FORM =
  /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?(\[[0-9a-f:.]+\]|[^:/?#]+)(?::(\d{1,5}))?(?:[/?#].*)?$/i;
const HOST_PORT_FORM = /^(\[[0-9a-f:.]+\]|[^:/?#\s]+)(?::(\d{1,5}))?\/?$/i;

export function splitHostInput(value: string): SplitHost | null {
  const text = value.trim();
  const url = URL_FORM.exec(text);
  const bare = url ? null : HOST_PORT_FORM.exec(text);
  const [host, port] = url ? [url[2], url[3]] : bare ? [bare[1], bare[2]] : [];
  if (host === undefined) return null;
  // A bare host without a port is already what the field wants: nothing to split.
  if (!url && port === undefined && !text.endsWith('/')) return null;
  const split: SplitHost = { host: host.replace(/^\[(.*)\]$/, '$1') };
  if (port !== undefined) split.port = Number(port);
  if (url && IMPLICIT_TLS_SCHEMES.has(url[1].toLowerCase())) split.security = 'tls';
  return split;
}

/** An authority host as the setting keeps it: `host` or `host:port`, from a pasted URL too. */
export function authorityHostOf(value: string): string {
  const split = splitHostInput(value);
  if (!split) return value.trim();
  return split.port !== undefined ? `${split.host}:${split.port}` : split.host;
}

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The request side of a section: a URL in `host` gives the host, and the port and security
 * it names when the request does not give them itself; one that says otherwise is refused
 * rather than silently picking one. A URL in `oauth2.authorityHost` gives its host[:port].
 */
function splitSectionHosts(value: unknown, ctx: z.RefinementCtx): unknown {
  if (!isObject(value)) return value;
  const out: Loose = { ...value };
  if (isObject(value.oauth2) && typeof value.oauth2.authorityHost === 'string') {
    out.oauth2 = { ...value.oauth2, authorityHost: authorityHostOf(value.oauth2.authorityHost) };
  }
  const split = typeof value.host === 'string' ? splitHostInput(value.host) : null;
  if (!split) return out;
  out.host = split.host;
  for (const key of ['port', 'security'] as const) {
    const fromUrl = split[key];
    if (fromUrl === undefined) continue;
    if (value[key] === undefined || value[key] === null) out[key] = fromUrl;
    else if (value[key] !== fromUrl) {
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `conflicts with the host URL (${fromUrl})`,
      });
    }
  }
  return out;
}

// A header value must never contain CR/LF: it would let a setting inject headers into mail.
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$|^\[?[0-9A-Fa-f:.]+\]?$/;
const HOST_PORT = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;

const text = (max: number) =>
  z.string().trim().max(max).regex(NO_CONTROL, { message: 'must not contain control characters' });

export const hostSchema = z
  .string()
  .trim()
  .max(253)
  .refine((v) => v === '' || HOST.test(v), { message: 'must be a host name or an IP address' });

export const portSchema = z.number().int().min(1).max(65535).nullable();

const optionalEmail = z
  .string()
  .trim()
  .max(254)
  .refine((v) => v === '' || z.email().safeParse(v).success, {
    message: 'must be an email address',
  });

/**
 * A secret in a save request: omitted keeps the stored one, `null` clears it, a string replaces
 * it. The empty string is refused so that "cleared by mistake" cannot happen silently.
 */
export const secretInput = z.string().min(1).max(4096).nullable().optional();

/** A PEM bundle (private key + certificate), a secret like the others; checked on the server. */
export const certificateInput = z
  .string()
  .min(1)
  .max(32_768)
  .refine((v) => v.includes('-----BEGIN CERTIFICATE-----') && /PRIVATE KEY-----/.test(v), {
    message: 'must hold a PEM private key and its certificate',
  })
  .nullable()
  .optional();

const folder = text(200).min(1);

export const oauth2InputSchema = z.object({
  enabled: z.boolean().default(false),
  grant: z.enum(OAUTH2_GRANTS).default('client_credentials'),
  /** which Microsoft cloud the tenant lives in (MICROSOFT_CLOUDS) */
  cloud: z.enum(CLOUD_NAMES).default('global'),
  tenantId: text(200).default(''),
  clientId: text(200).default(''),
  clientSecret: secretInput,
  credential: z.enum(OAUTH2_CREDENTIALS).default('secret'),
  clientCertificate: certificateInput,
  authorityHost: z
    .string()
    .trim()
    .max(253)
    // Empty follows the cloud (cloudHosts), like the stored default.
    .refine((v) => v === '' || HOST_PORT.test(v), {
      message: 'must be a host name, optionally with :port',
    })
    .default(DEFAULT_AUTHORITY_HOST),
  scopes: z.array(text(300).min(1)).max(10).default([]),
});

const serverFields = {
  host: hostSchema.default(''),
  port: portSchema.default(null),
  security: z.enum(SECURITY).default('starttls'),
  username: text(320).default(''),
  password: secretInput,
  oauth2: oauth2InputSchema.default(() => oauth2InputSchema.parse({})),
};

/**
 * How a section talks to the server: SMTP, or Microsoft Graph where a tenant keeps SMTP AUTH
 * off. With Graph, host and port name the Graph endpoint (the cloud's Graph host, port 443),
 * the username is the mailbox, and OAuth2 is required.
 */
export const SMTP_TRANSPORTS = ['smtp', 'graph'] as const;
/**
 * How the IMAP section reads the approvals mailbox: IMAP, or Microsoft Graph where a tenant
 * keeps IMAP off. With Graph, the username is the mailbox (address or user ID) and the
 * mailbox field names the folder read (INBOX is the Inbox).
 */
export const IMAP_TRANSPORTS = ['imap', 'graph'] as const;

/** A sending limit: empty (null) takes the preset of the host, 0 means no limit. */
const sendLimit = (max: number) => z.number().int().min(0).max(max).nullable();

export const smtpInputSchema = z.object({
  ...serverFields,
  transport: z.enum(SMTP_TRANSPORTS).default('smtp'),
  fromName: text(200).default(''),
  fromAddress: optionalEmail.default(''),
  replyTo: optionalEmail.default(''),
  /** messages per minute this account may send (every Strapi instance together) */
  messagesPerMinute: sendLimit(100_000).default(null),
  /** recipients per day this account may send to (every Strapi instance together) */
  recipientsPerDay: sendLimit(10_000_000).default(null),
});

/**
 * Exchange Online's limits for one mailbox, whether it sends by SMTP AUTH or Graph: 30
 * messages a minute and 10,000 recipients a day (Recipient Rate Limit), and three concurrent
 * SMTP submissions. https://learn.microsoft.com/en-us/exchange/troubleshoot/send-emails/smtp-submission-improvements
 * and https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits
 */
export const MICROSOFT_SEND_LIMITS = {
  messagesPerMinute: 30,
  recipientsPerDay: 10_000,
  connections: 3,
} as const;

/** The limits that apply to a SMTP section: what it says, else the preset of its host. */
export function sendLimitsOf(section: {
  host: string;
  transport?: string;
  messagesPerMinute?: number | null;
  recipientsPerDay?: number | null;
}): { messagesPerMinute: number; recipientsPerDay: number; preset: 'microsoft' | null } {
  const microsoft = section.transport === 'graph' || isMicrosoftHost(section.host);
  const preset = microsoft ? MICROSOFT_SEND_LIMITS : null;
  return {
    messagesPerMinute: section.messagesPerMinute ?? preset?.messagesPerMinute ?? 0,
    recipientsPerDay: section.recipientsPerDay ?? preset?.recipientsPerDay ?? 0,
    preset: microsoft ? 'microsoft' : null,
  };
}

/**
 * How a reply proves its sender. `verified`: a proof written by the organisation's own servers
 * (Authentication-Results of `authservId`, or Exchange's AuthAs: Internal); `from-header`: the
 * From header alone, which anyone can forge — only on explicit choice, and warned about.
 */
export const SENDER_CHECKS = ['verified', 'from-header'] as const;
const AUTHSERV_IDS = /^[A-Za-z0-9._\-, ]*$/;

/** The authserv-ids of a setting: separated by commas or spaces, lowercased. */
export const authservIdsOf = (value: string): string[] =>
  value
    .toLowerCase()
    .split(/[\s,]+/)
    .filter((v) => v !== '');

export const imapInputSchema = z.object({
  ...serverFields,
  transport: z.enum(IMAP_TRANSPORTS).default('imap'),
  senderCheck: z.enum(SENDER_CHECKS).default('verified'),
  /** authserv-ids (RFC 8601) of the receiving servers whose Authentication-Results count */
  authservId: z
    .string()
    .trim()
    .max(500)
    .regex(AUTHSERV_IDS, { message: 'must be host names separated by commas' })
    .default(''),
  /** the mailbox is on Exchange (Microsoft 365 or Exchange Server): AuthAs: Internal counts */
  exchangeHeaders: z.boolean().default(false),
  security: z.enum(SECURITY).default('tls'),
  mailbox: folder.default('INBOX'),
  processedFolder: folder.default('Processed'),
  /** replies that could not be accepted, kept for an admin to review */
  quarantineFolder: folder.default('Quarantine'),
  /** auto-replies, bounces and other mail that is not a reply to a request */
  ignoredFolder: folder.default('Ignored'),
  /** seconds between two reads of the mailbox when IDLE is off or as a safety net */
  pollInterval: z.number().int().min(10).max(86400).default(60),
  idle: z.boolean().default(true),
});

type SectionInput = {
  host: string;
  username: string;
  transport?: string;
  oauth2: z.infer<typeof oauth2InputSchema>;
};

/** Checks that only make sense across fields; paths are relative to the section. */
function sectionRules(value: SectionInput, ctx: z.RefinementCtx) {
  if (value.host !== '' && value.transport === 'graph' && !value.oauth2.enabled) {
    ctx.addIssue({
      code: 'custom',
      path: ['oauth2', 'enabled'],
      message: 'is required for Microsoft Graph',
    });
  }
  if (value.host === '' || !value.oauth2.enabled) return;
  for (const key of ['tenantId', 'clientId'] as const) {
    if (value.oauth2[key] === '') {
      ctx.addIssue({ code: 'custom', path: ['oauth2', key], message: 'is required for OAuth2' });
    }
  }
  const tenant = value.oauth2.tenantId.toLowerCase();
  if (
    value.oauth2.grant === 'client_credentials' &&
    (TENANT_ALIASES as readonly string[]).includes(tenant)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['oauth2', 'tenantId'],
      message: 'must name your organisation (its tenant ID or domain) for client credentials',
    });
  }
  if (value.username === '') {
    // XOAUTH2 names the mailbox in `user=`; without it the server cannot pick the mailbox.
    ctx.addIssue({
      code: 'custom',
      path: ['username'],
      message: 'is required for OAuth2 (the mailbox address)',
    });
  }
}

/** A section as a request gives it (a save, a test): pasted URLs split, then validated. */
export const smtpRequestSchema = z.preprocess(splitSectionHosts, smtpInputSchema);
export const imapRequestSchema = z.preprocess(splitSectionHosts, imapInputSchema);

export const settingsInputSchema = z
  .object({
    smtp: z.preprocess(splitSectionHosts, smtpInputSchema.superRefine(sectionRules)).optional(),
    imap: z.preprocess(splitSectionHosts, imapInputSchema.superRefine(sectionRules)).optional(),
  })
  .strict();

export type SmtpInput = z.infer<typeof smtpInputSchema>;
export type ImapInput = z.infer<typeof imapInputSchema>;
export type SettingsInput = z.infer<typeof settingsInputSchema>;

/* ----- what the API returns: never a secret, only whether one is set ----- */

const oauth2ViewSchema = oauth2InputSchema
  .omit({ clientSecret: true, clientCertificate: true })
  .extend({
    clientSecretSet: z.boolean(),
    clientCertificateSet: z.boolean(),
    /** SHA-256 thumbprint of the saved certificate, as the Entra portal shows it */
    certificateThumbprint: z.string().nullable(),
  });

export const smtpViewSchema = smtpInputSchema
  .omit({ password: true, oauth2: true })
  .extend({ passwordSet: z.boolean(), oauth2: oauth2ViewSchema });

export const imapViewSchema = imapInputSchema
  .omit({ password: true, oauth2: true })
  .extend({ passwordSet: z.boolean(), oauth2: oauth2ViewSchema });

export const settingsViewSchema = z.object({
  smtp: smtpViewSchema,
  imap: imapViewSchema,
  /** dotted paths (e.g. `smtp.host`) whose value comes from the app's config and cannot be edited */
  locked: z.array(z.string()),
  configured: z.object({ smtp: z.boolean(), imap: z.boolean() }),
  /** false when no encryption key is configured: secrets cannot be saved */
  encryptionAvailable: z.boolean(),
  updatedAt: z.string().nullable(),
});

export type SmtpView = z.infer<typeof smtpViewSchema>;
export type ImapView = z.infer<typeof imapViewSchema>;
export type SettingsView = z.infer<typeof settingsViewSchema>;

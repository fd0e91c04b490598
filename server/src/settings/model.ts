/**
 * Pure functions between the three shapes of a settings section:
 * - input: what a save request carries (secrets: omitted = keep, null = clear, string = set);
 * - stored: what the database row holds (secrets encrypted, or null);
 * - effective: what the mail code uses (config overrides applied, secrets decrypted, port known).
 */
import {
  DEFAULT_PORTS,
  imapInputSchema,
  smtpInputSchema,
  type ImapInput,
  type SmtpInput,
  type ImapView,
  type SmtpView,
} from '../../../shared/contracts/settings';
import type { ImapOverride, SmtpOverride } from '../config/schema';
import { parseClientCertificate } from '../mail';

export type SectionKind = 'smtp' | 'imap';
type Input = { smtp: SmtpInput; imap: ImapInput };
type Override = { smtp: SmtpOverride; imap: ImapOverride };
type View = { smtp: SmtpView; imap: ImapView };

/** The secrets of the OAuth2 block; the password is the section's own. */
export const OAUTH2_SECRETS = ['clientSecret', 'clientCertificate'] as const;
type OAuth2Secret = (typeof OAUTH2_SECRETS)[number];

type OAuth2Of<S> = Omit<SmtpInput['oauth2'], OAuth2Secret> & { [F in OAuth2Secret]: S };
type WithSecrets<T, S, O = OAuth2Of<S>> = Omit<T, 'password' | 'oauth2'> & {
  password: S;
  oauth2: O;
};
/** What the row holds: secrets encrypted, and the saved certificate's thumbprint in clear. */
export type Stored<K extends SectionKind> = WithSecrets<
  Input[K],
  string | null,
  OAuth2Of<string | null> & { certificateThumbprint: string | null }
>;

/** Every secret of a section: its words for people, its field path. */
export const SECRETS = {
  password: { words: 'password', path: ['password'] },
  clientSecret: { words: 'client secret', path: ['oauth2', 'clientSecret'] },
  clientCertificate: { words: 'client certificate', path: ['oauth2', 'clientCertificate'] },
} as const;
export type SecretName = keyof typeof SECRETS;

/** Each OAuth2 secret mapped through `f`. */
export const eachSecret = <T>(f: (field: OAuth2Secret) => T) =>
  Object.fromEntries(OAUTH2_SECRETS.map((field) => [field, f(field)])) as Record<OAuth2Secret, T>;
export type Effective<K extends SectionKind> = Omit<
  WithSecrets<Input[K], string | undefined>,
  'port'
> & {
  port: number;
};

const schemas = { smtp: smtpInputSchema, imap: imapInputSchema } as const;

/** A section with every default, used when nothing was ever saved. */
export function emptyStored<K extends SectionKind>(kind: K): Stored<K> {
  const parsed = schemas[kind].parse({}) as Input[K];
  return {
    ...parsed,
    password: null,
    oauth2: { ...parsed.oauth2, ...eachSecret(() => null), certificateThumbprint: null },
  } as Stored<K>;
}

/**
 * Reads a row's JSON defensively: a row written by an older version (or edited by hand) is
 * completed with defaults instead of crashing the send path.
 */
export function normaliseStored<K extends SectionKind>(kind: K, raw: unknown): Stored<K> {
  const base = emptyStored(kind);
  if (!raw || typeof raw !== 'object') return base;
  const row = raw as Record<string, unknown>;
  const { password, oauth2, ...plain } = row;
  const stored = (oauth2 ?? {}) as Record<string, unknown>;
  // Secrets are ciphertext here: the input schema (which checks plain values) must not see them.
  const settings = Object.fromEntries(
    Object.entries(stored).filter(([k]) => !(OAUTH2_SECRETS as readonly string[]).includes(k))
  );
  const parsed = schemas[kind].safeParse({ ...plain, oauth2: settings });
  const values = parsed.success ? (parsed.data as Input[K]) : (base as unknown as Input[K]);
  const secret = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    ...values,
    password: secret(password),
    oauth2: {
      ...values.oauth2,
      ...eachSecret((field) => secret(stored[field])),
      certificateThumbprint: secret(stored.certificateThumbprint),
    },
  } as Stored<K>;
}

/** Applies a save request to what is stored; `encrypt` is only called for new secrets. */
export function applyInput<K extends SectionKind>(
  previous: Stored<K>,
  input: Input[K],
  encrypt: (plain: string) => string
): Stored<K> {
  const secret = (old: string | null, next: string | null | undefined) =>
    next === undefined ? old : next === null ? null : encrypt(next);
  const { password, oauth2, ...plain } = input;
  const { clientSecret: _s, clientCertificate, ...oauth2Plain } = oauth2;
  // The thumbprint is read from the certificate typed now (checked by checkCertificate first).
  const thumbprint =
    clientCertificate === undefined
      ? previous.oauth2.certificateThumbprint
      : clientCertificate === null
        ? null
        : parseClientCertificate(clientCertificate).thumbprintSha256;
  return {
    ...plain,
    password: secret(previous.password, password),
    oauth2: {
      ...oauth2Plain,
      ...eachSecret((field) => secret(previous.oauth2[field], oauth2[field])),
      certificateThumbprint: thumbprint,
    },
  } as Stored<K>;
}

/** A broken certificate in the app's config shows no thumbprint; the Test says what is wrong. */
function thumbprintOf(pem: string): string | null {
  try {
    return parseClientCertificate(pem).thumbprintSha256;
  } catch {
    return null;
  }
}

/** Dotted paths of the fields the app's config provides (shown locked in the admin page). */
export function lockedPaths(kind: SectionKind, override: Override[SectionKind]): string[] {
  const { oauth2, ...top } = override;
  return [
    ...Object.keys(top).map((k) => `${kind}.${k}`),
    ...Object.keys(oauth2 ?? {}).map((k) => `${kind}.oauth2.${k}`),
  ];
}

/** The stored section with config overrides on top; secrets still encrypted or plain. */
function overlay<K extends SectionKind, S>(
  section: WithSecrets<Input[K], S>,
  override: Override[K],
  wrapSecret: (plain: string) => S
): WithSecrets<Input[K], S> {
  const { oauth2, password, ...top } = override;
  const { clientSecret: _s, clientCertificate: _c, ...oauth2Top } = oauth2 ?? {};
  const fromConfig = (oauth2 ?? {}) as Partial<Record<OAuth2Secret, string>>;
  return {
    ...section,
    ...top,
    password: password !== undefined ? wrapSecret(password) : section.password,
    oauth2: {
      ...section.oauth2,
      ...oauth2Top,
      ...eachSecret((field) => {
        const value = fromConfig[field];
        return value !== undefined ? wrapSecret(value) : section.oauth2[field];
      }),
    },
  } as WithSecrets<Input[K], S>;
}

/** What the API returns: values with overrides, and only whether each secret is set. */
export function toView<K extends SectionKind>(
  kind: K,
  stored: Stored<K>,
  override: Override[K]
): View[K] {
  const merged = overlay<K, string | null>(stored, override, (plain) => plain);
  const { password, oauth2, ...rest } = merged;
  const { clientSecret, clientCertificate, ...oauth2Rest } = oauth2 as typeof oauth2 & {
    certificateThumbprint?: string | null;
  };
  // A certificate from the app's config has no stored thumbprint: read it from the config.
  const configCertificate = (override.oauth2 as { clientCertificate?: string } | undefined)
    ?.clientCertificate;
  const thumbprint = configCertificate
    ? thumbprintOf(configCertificate)
    : (stored.oauth2.certificateThumbprint ?? null);
  return {
    ...rest,
    passwordSet: password !== null,
    oauth2: {
      ...oauth2Rest,
      clientSecretSet: clientSecret !== null,
      clientCertificateSet: clientCertificate !== null,
      certificateThumbprint: clientCertificate !== null ? thumbprint : null,
    },
  } as unknown as View[K];
}

/**
 * The section the mail code uses: overrides applied, secrets decrypted, port resolved.
 * A secret the config provides is never decrypted from the row, so a stale stored value
 * cannot break a working environment-variable setup.
 */
export function toEffective<K extends SectionKind>(
  kind: K,
  stored: Stored<K>,
  override: Override[K],
  decrypt: (encrypted: string) => string
): Effective<K> {
  const open = (fromConfig: string | undefined, fromRow: string | null) =>
    fromConfig ?? (fromRow ? decrypt(fromRow) : undefined);
  const merged = overlay<K, string | null>(stored, override, () => null);
  const fromConfig = (override.oauth2 ?? {}) as Partial<Record<OAuth2Secret, string>>;
  const { certificateThumbprint: _t, ...oauth2 } = merged.oauth2 as typeof merged.oauth2 & {
    certificateThumbprint?: unknown;
  };
  return {
    ...merged,
    // Graph is HTTPS: its default port is 443 whatever the security field says.
    port:
      merged.port ??
      ((merged as { transport?: string }).transport === 'graph'
        ? 443
        : DEFAULT_PORTS[kind][merged.security]),
    password: open(override.password, stored.password),
    oauth2: {
      ...oauth2,
      ...eachSecret((field) => open(fromConfig[field], stored.oauth2[field])),
    },
  } as Effective<K>;
}

export const isConfigured = (section: { host: string }) => section.host !== '';

/** The Graph endpoint of a section that sends through Graph: host, with its port unless 443. */
export const graphHost = (section: { host: string; port: number }) =>
  section.port === 443 ? section.host : `${section.host}:${section.port}`;

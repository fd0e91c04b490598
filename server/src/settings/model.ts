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

export type SectionKind = 'smtp' | 'imap';
type Input = { smtp: SmtpInput; imap: ImapInput };
type Override = { smtp: SmtpOverride; imap: ImapOverride };
type View = { smtp: SmtpView; imap: ImapView };

type WithSecrets<T, S> = Omit<T, 'password' | 'oauth2'> & {
  password: S;
  oauth2: Omit<SmtpInput['oauth2'], 'clientSecret'> & { clientSecret: S };
};
export type Stored<K extends SectionKind> = WithSecrets<Input[K], string | null>;
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
    oauth2: { ...parsed.oauth2, clientSecret: null },
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
  const parsed = schemas[kind].safeParse({ ...plain, oauth2: { ...(oauth2 as object) } });
  const values = parsed.success ? (parsed.data as Input[K]) : (base as unknown as Input[K]);
  const secret = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    ...values,
    password: secret(password),
    oauth2: {
      ...values.oauth2,
      clientSecret: secret((oauth2 as Record<string, unknown> | undefined)?.clientSecret),
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
  const { clientSecret, ...oauth2Plain } = oauth2;
  return {
    ...plain,
    password: secret(previous.password, password),
    oauth2: { ...oauth2Plain, clientSecret: secret(previous.oauth2.clientSecret, clientSecret) },
  } as Stored<K>;
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
  const { clientSecret, ...oauth2Top } = oauth2 ?? {};
  return {
    ...section,
    ...top,
    password: password !== undefined ? wrapSecret(password) : section.password,
    oauth2: {
      ...section.oauth2,
      ...oauth2Top,
      clientSecret:
        clientSecret !== undefined ? wrapSecret(clientSecret) : section.oauth2.clientSecret,
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
  const { clientSecret, ...oauth2Rest } = oauth2;
  return {
    ...rest,
    passwordSet: password !== null,
    oauth2: { ...oauth2Rest, clientSecretSet: clientSecret !== null },
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
  const password = open(override.password, stored.password);
  const clientSecret = open(override.oauth2?.clientSecret, stored.oauth2.clientSecret);
  return {
    ...merged,
    port: merged.port ?? DEFAULT_PORTS[kind][merged.security],
    password,
    oauth2: { ...merged.oauth2, clientSecret },
  } as Effective<K>;
}

export const isConfigured = (section: { host: string }) => section.host !== '';

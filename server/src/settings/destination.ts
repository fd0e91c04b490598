/**
 * Where a section's secrets go. A saved password, client secret or refresh token is only ever
 * used for the exact destination it was saved for: every field that decides which server (mail
 * server or identity platform) receives a secret, or which resource a token unlocks, is part of
 * it. Anything less let a Test, or a save, deliver the saved secret to a server of the admin's
 * choice (issue #11: a changed host kept the password, a changed scope got a Graph token, a
 * changed authority host received the password of the password grant, `none` sent it in clear).
 *
 * A field added later that changes where a secret goes (transport, mailbox, cloud, certificate)
 * belongs in DESTINATION_FIELDS.
 */
import crypto from 'node:crypto';
import {
  cloudHosts,
  type DestinationPart,
  type MicrosoftCloud,
} from '../../../shared/contracts/settings';

export interface DestinationSection {
  /** 'smtp' / 'imap', or 'graph'; absent in rows saved before the choice existed */
  transport?: string;
  host: string;
  port: number;
  security: string;
  username: string;
  oauth2: {
    enabled: boolean;
    grant: string;
    credential?: string;
    cloud: MicrosoftCloud;
    authorityHost: string;
    tenantId: string;
    clientId: string;
    scopes: string[];
  };
}

/** Each field with its canonical form: names that are case-insensitive are compared so. */
const DESTINATION_FIELDS = {
  // The same host over another protocol is another destination; '' for SMTP, see LATER.
  transport: (s) => (s.transport === 'graph' ? 'graph' : ''),
  host: (s) =>
    s.host
      .trim()
      .toLowerCase()
      .replace(/\.$/, '')
      .replace(/^\[(.*)\]$/, '$1'),
  port: (s) => String(s.port),
  security: (s) => s.security,
  // A login name can be case-sensitive on the server: any difference is a different account.
  username: (s) => s.username.trim(),
  'oauth2.enabled': (s) => String(s.oauth2.enabled),
  'oauth2.grant': (s) => s.oauth2.grant,
  // Where the sign-in really goes: the override, or the cloud's own authority.
  'oauth2.authorityHost': (s) => cloudHosts(s.oauth2).authority,
  // The resource a token unlocks (outlook.office365.us …); '' for the global cloud, see LATER.
  'oauth2.cloud': (s) => (s.oauth2.cloud === 'global' ? '' : s.oauth2.cloud),
  'oauth2.tenantId': (s) => s.oauth2.tenantId.trim().toLowerCase(),
  'oauth2.clientId': (s) => s.oauth2.clientId.trim().toLowerCase(),
  // The order of scopes changes nothing at the identity platform.
  'oauth2.scopes': (s) => JSON.stringify([...s.oauth2.scopes].map((v) => v.trim()).sort()),
} satisfies Record<DestinationPart, (s: DestinationSection) => string>;

export type DestinationField = keyof typeof DESTINATION_FIELDS;
const LATER = new Set<DestinationField>(['transport', 'oauth2.cloud']);
const FIELDS = Object.keys(DESTINATION_FIELDS) as DestinationField[];

/** The fields in which two sections' destinations differ; empty when a secret may follow. */
export function destinationChanges(
  before: DestinationSection,
  after: DestinationSection
): DestinationField[] {
  return FIELDS.filter((f) => DESTINATION_FIELDS[f](before) !== DESTINATION_FIELDS[f](after));
}

/**
 * A stable key of a destination, stored beside a refresh token. Hashed: the row need not name
 * the tenant or the mailbox in clear.
 */
export function destinationKey(kind: string, section: DestinationSection): string {
  // A field added after keys were first stored counts only when it is not at its default, so
  // an account connected before stays connected.
  const counted = FIELDS.filter((f) => !LATER.has(f) || DESTINATION_FIELDS[f](section) !== '');
  const parts = [kind, ...counted.map((f) => DESTINATION_FIELDS[f](section))];
  return crypto.createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}

/**
 * Which secrets a section sends anywhere: the password for a login (or the OAuth2 password
 * grant), the client secret whenever OAuth2 is on. A secret not used is never at risk.
 */
export function secretsUsed(section: DestinationSection): {
  password: boolean;
  clientSecret: boolean;
  clientCertificate: boolean;
} {
  const { enabled, grant, credential } = section.oauth2;
  const configured = section.host !== '';
  const certificate = credential === 'certificate';
  return {
    password: configured && section.username !== '' && (!enabled || grant === 'password'),
    clientSecret: configured && enabled && !certificate,
    clientCertificate: configured && enabled && certificate,
  };
}

/** "host and port", for messages that say why a secret is withheld. */
export function describeChanges(fields: DestinationField[]): string {
  const names = fields.map((f) => FIELD_NAMES[f]);
  return names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const FIELD_NAMES: Record<DestinationField, string> = {
  transport: 'transport',
  host: 'host',
  port: 'port',
  security: 'security',
  username: 'username',
  'oauth2.enabled': 'OAuth2 setting',
  'oauth2.grant': 'OAuth2 grant',
  'oauth2.authorityHost': 'identity platform host',
  'oauth2.cloud': 'Microsoft cloud',
  'oauth2.tenantId': 'tenant ID',
  'oauth2.clientId': 'client ID',
  'oauth2.scopes': 'scopes',
};

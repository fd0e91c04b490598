/**
 * What the local identity platform signs: access tokens (RS256, `typ: JWT`, the mailbox in
 * `email` because that is the claim Dovecot's oauth2 passdb maps to the login), ID tokens and
 * `client_info`, which MSAL needs to build an account (home account id = `<oid>.<tid>`) for the
 * delegated grants, and the scope rules Entra applies to app-only and delegated requests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, generateKeyPair, type JWK } from 'jose';
import { aadsts } from './identity-errors';
import type { IdentityClient } from './types';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface SigningKey {
  alg: 'RS256';
  kid: string;
  privateKey: KeyPair['privateKey'];
  publicKey: KeyPair['publicKey'];
  publicJwk: JWK;
  /** SPKI PEM, the format Dovecot's local validation reads */
  publicPem: string;
}

/** A stable GUID-shaped id derived from text (object ids of users and service principals). */
export function stableGuid(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const servicePrincipalId = (c: IdentityClient) =>
  stableGuid(`${c.tenantId.toLowerCase()}|${c.clientId.toLowerCase()}`);
export const userObjectId = (tenantId: string, address: string) =>
  stableGuid(`user|${tenantId.toLowerCase()}|${address.toLowerCase()}`);

/** Entra's `client_info`: base64url JSON of the user's object id and tenant id. */
export function clientInfo(oid: string, tid: string): string {
  return Buffer.from(JSON.stringify({ uid: oid, utid: tid })).toString('base64url');
}

const OIDC_SCOPES = ['openid', 'profile', 'offline_access', 'email'];
/**
 * Delegated permissions: Exchange Online's for the legacy protocols, plus `.default`, and
 * Microsoft Graph's mail permissions (the .Shared forms reach mailboxes the user was given).
 */
const DELEGATED_PERMISSIONS = [
  'IMAP.AccessAsUser.All',
  'SMTP.Send',
  'POP.AccessAsUser.All',
  '.default',
  'Mail.Send',
  'Mail.ReadWrite',
  'Mail.Send.Shared',
  'Mail.ReadWrite.Shared',
];

export interface ParsedScope {
  /** e.g. https://outlook.office365.com: becomes the token's `aud` */
  resource: string;
  /** e.g. ['IMAP.AccessAsUser.All', 'SMTP.Send']; ['.default'] for app-only */
  permissions: string[];
  oidc: Set<string>;
}

/** App-only: exactly one `<resource>/.default`; OIDC scopes are ignored, as Entra does. */
export function parseAppScope(scope: string): ParsedScope {
  const words = scope.split(/\s+/).filter(Boolean);
  const resources = words.filter((s) => !OIDC_SCOPES.includes(s));
  const only = resources[0];
  if (resources.length !== 1 || !only?.endsWith('/.default') || only === '/.default') {
    throw aadsts.invalidScope(
      scope,
      "For the client credentials flow the scope must be a single resource followed by '/.default'."
    );
  }
  return {
    resource: only.slice(0, -'/.default'.length),
    permissions: ['.default'],
    oidc: new Set(),
  };
}

/** Delegated: `<resource>/<permission>` words of one resource, plus OIDC scopes. */
export function parseDelegatedScope(scope: string): ParsedScope {
  const words = scope.split(/\s+/).filter(Boolean);
  const oidc = new Set(words.filter((s) => OIDC_SCOPES.includes(s)));
  const resources = new Set<string>();
  const permissions: string[] = [];
  for (const word of words.filter((s) => !OIDC_SCOPES.includes(s))) {
    const m = /^(https:\/\/[^/\s]+)\/(.+)$/.exec(word);
    if (!m || !DELEGATED_PERMISSIONS.includes(m[2]!)) {
      throw aadsts.invalidScope(scope, `The scope ${word} is not a known delegated permission.`);
    }
    resources.add(m[1]!);
    permissions.push(m[2]!);
  }
  if (resources.size !== 1) {
    throw aadsts.invalidScope(scope, 'A token request must name exactly one resource.');
  }
  return { resource: [...resources][0]!, permissions, oidc };
}

export class TokenSigner {
  constructor(
    private readonly key: SigningKey,
    private readonly issuer: (tenantId: string) => string
  ) {}

  private sign(claims: Record<string, unknown>, tenantId: string, lifetime: number) {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.key.kid })
      .setIssuer(this.issuer(tenantId))
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetime)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.key.privateKey);
  }

  /** App-only token: `sub`/`oid` are the service principal's; the mailbox goes in `email`. */
  appToken(client: IdentityClient, audience: string, lifetime: number, roles: string[]) {
    const oid = servicePrincipalId(client);
    return this.sign(
      {
        ...(roles.length ? { roles } : {}),
        aud: audience,
        sub: oid,
        azp: client.clientId,
        appid: client.clientId,
        azpacr: '1',
        appidacr: '1',
        email: client.mailbox,
        oid,
        tid: client.tenantId.toLowerCase(),
        idtyp: 'app',
        ver: '2.0',
      },
      client.tenantId,
      lifetime
    );
  }

  /** Delegated token for a signed-in user: `scp` lists the granted permissions. */
  userToken(client: IdentityClient, user: string, scope: ParsedScope, lifetime: number) {
    const tid = client.tenantId.toLowerCase();
    const oid = userObjectId(tid, user);
    return this.sign(
      {
        aud: scope.resource,
        sub: stableGuid(`pairwise|${oid}|${client.clientId.toLowerCase()}`),
        azp: client.clientId,
        appid: client.clientId,
        email: user,
        upn: user,
        unique_name: user,
        oid,
        tid,
        scp: scope.permissions.join(' '),
        idtyp: 'user',
        ver: '2.0',
      },
      client.tenantId,
      lifetime
    );
  }

  /** The ID token MSAL reads the account from (it does not verify the signature, Entra does sign). */
  idToken(client: IdentityClient, user: string, nonce: string | undefined, lifetime: number) {
    const tid = client.tenantId.toLowerCase();
    const oid = userObjectId(tid, user);
    return this.sign(
      {
        aud: client.clientId,
        sub: stableGuid(`pairwise|${oid}|${client.clientId.toLowerCase()}`),
        oid,
        tid,
        preferred_username: user,
        email: user,
        name: user.split('@')[0],
        ...(nonce ? { nonce } : {}),
        ver: '2.0',
      },
      client.tenantId,
      lifetime
    );
  }
}

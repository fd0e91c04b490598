/**
 * The token endpoint's grants: client_credentials (app-only), authorization_code (with PKCE),
 * refresh_token (rotating: a refresh token works once, the answer carries the next one, as
 * Entra does for public-facing apps and as the plugin must handle) and password (ROPC).
 * Each one authenticates the confidential client first, like Entra.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { aadsts } from './identity-errors';
import { JWT_BEARER, createAssertionVerifier } from './identity-assertion';
import {
  clientInfo,
  parseAppScope,
  parseDelegatedScope,
  userObjectId,
  type ParsedScope,
  type TokenSigner,
} from './identity-tokens';
import type { IdentityClient, MailUser } from './types';

/** What a grant handler receives. */
export interface TokenRequest {
  tenantId: string;
  params: URLSearchParams;
  /** client_id/client_secret from HTTP Basic auth (client_secret_basic), if sent that way */
  basic?: { clientId: string; clientSecret: string };
}

export interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  [extra: string]: unknown;
}

export type GrantHandler = (req: TokenRequest) => Promise<TokenResponse>;

/** An authorization code handed out by the authorize page, redeemable once. */
export interface PendingCode {
  client: IdentityClient;
  redirectUri: string;
  user: string;
  scope: ParsedScope;
  challenge?: string;
  challengeMethod?: 'S256' | 'plain';
  nonce?: string;
  expiresAt: number;
  redeemed: boolean;
}

interface RefreshGrant {
  client: IdentityClient;
  user: string;
  scope: ParsedScope;
}

export interface GrantContext {
  client(tenantId: string, clientId: string): IdentityClient | undefined;
  /** the URL client assertions must name as their audience */
  tokenEndpoint(tenantId: string): string;
  findUser(address: string): MailUser | undefined;
  lifetime(): number;
  signer: TokenSigner;
  codes: Map<string, PendingCode>;
}

export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Entra answers `expires_in: 3599` for a one-hour token: `exp` is whole seconds, so the token's
 * real remaining life is less than its nominal lifetime. Clients that trust the nominal value
 * would use tokens up to a second after their `exp`.
 */
const expiresIn = (lifetime: number) => Math.max(1, lifetime - 1);

export const pkceChallenge = (verifier: string) =>
  createHash('sha256').update(verifier).digest('base64url');

export function createGrants(ctx: GrantContext) {
  const refreshTokens = new Map<string, RefreshGrant>();

  const verifyAssertion = createAssertionVerifier();

  async function authenticateClient(req: TokenRequest): Promise<IdentityClient> {
    const clientId = req.params.get('client_id') ?? req.basic?.clientId;
    if (!clientId) throw aadsts.missingParameter('client_id');
    const client = ctx.client(req.tenantId, clientId);
    if (!client) throw aadsts.unknownClient(clientId, req.tenantId);
    const assertion = req.params.get('client_assertion');
    if (assertion !== null) {
      if (req.params.get('client_assertion_type') !== JWT_BEARER) {
        throw aadsts.missingParameter('client_assertion_type');
      }
      await verifyAssertion(client, assertion, ctx.tokenEndpoint(req.tenantId));
      return admitted(client);
    }
    const secret = req.params.get('client_secret') ?? req.basic?.clientSecret;
    if (!secret) throw aadsts.missingSecret();
    if (!sameSecret(secret, client.clientSecret)) throw aadsts.invalidSecret(client.clientId);
    if (client.secretExpiresAt !== undefined && client.secretExpiresAt <= Date.now()) {
      throw aadsts.expiredSecret(client.clientId);
    }
    return admitted(client);
  }

  /** Policies apply once the client has proved itself, as at Entra. */
  function admitted(client: IdentityClient): IdentityClient {
    if (client.blockedByConditionalAccess) throw aadsts.conditionalAccess();
    return client;
  }

  function requiredScope(req: TokenRequest): string {
    const scope = req.params.get('scope');
    if (!scope) throw aadsts.missingParameter('scope');
    return scope;
  }

  /** Access token + (when asked for) refresh token, ID token and client_info for a user. */
  async function userTokens(
    client: IdentityClient,
    user: string,
    scope: ParsedScope,
    req: TokenRequest,
    nonce?: string
  ): Promise<TokenResponse> {
    const lifetime = ctx.lifetime();
    const out: TokenResponse = {
      token_type: 'Bearer',
      scope: scope.permissions.map((p) => `${scope.resource}/${p}`).join(' '),
      expires_in: expiresIn(lifetime),
      ext_expires_in: expiresIn(lifetime),
      access_token: await ctx.signer.userToken(client, user, scope, lifetime),
    };
    if (scope.oidc.has('offline_access')) {
      const rt = `0.A${randomBytes(48).toString('base64url')}`;
      refreshTokens.set(rt, { client, user, scope });
      out.refresh_token = rt;
    }
    if (scope.oidc.has('openid')) {
      out.id_token = await ctx.signer.idToken(client, user, nonce, 3600);
    }
    if (req.params.get('client_info') === '1') {
      const tid = client.tenantId.toLowerCase();
      out.client_info = clientInfo(userObjectId(tid, user), tid);
    }
    return out;
  }

  const grants: Record<string, GrantHandler> = {
    async client_credentials(req) {
      const client = await authenticateClient(req);
      const scope = parseAppScope(requiredScope(req));
      const lifetime = ctx.lifetime();
      // Without admin consent Entra still issues a token, only without roles; Exchange then
      // refuses the login. The mail servers here check the mailbox only (see README of the stack).
      const roles =
        client.consented === false
          ? []
          : scope.resource === 'https://graph.microsoft.com'
            ? (client.graphRoles ?? ['Mail.Send', 'Mail.ReadWrite'])
            : ['IMAP.AccessAsApp', 'SMTP.SendAsApp'];
      return {
        token_type: 'Bearer',
        expires_in: expiresIn(lifetime),
        ext_expires_in: expiresIn(lifetime),
        access_token: await ctx.signer.appToken(client, scope.resource, lifetime, roles),
      };
    },

    async password(req) {
      const client = await authenticateClient(req);
      const scope = parseDelegatedScope(requiredScope(req));
      const username = req.params.get('username');
      const password = req.params.get('password');
      if (!username) throw aadsts.missingParameter('username');
      if (!password) throw aadsts.missingParameter('password');
      const user = ctx.findUser(username);
      if (!user || !sameSecret(password, user.password)) throw aadsts.wrongPassword();
      // ROPC cannot do a second factor: a user under an MFA policy is refused (50076).
      if (user.mfaRequired) throw aadsts.mfaRequired(scope.resource);
      if (client.consented === false) throw aadsts.consentRequired(client.clientId);
      return userTokens(client, user.address, scope, req);
    },

    async authorization_code(req) {
      const client = await authenticateClient(req);
      const code = req.params.get('code');
      if (!code) throw aadsts.missingParameter('code');
      const pending = ctx.codes.get(code);
      if (!pending || pending.expiresAt <= Date.now()) throw aadsts.badCode();
      if (pending.redeemed) throw aadsts.codeRedeemed();
      if (pending.client.clientId.toLowerCase() !== client.clientId.toLowerCase()) {
        throw aadsts.badCode();
      }
      const redirectUri = req.params.get('redirect_uri') ?? '';
      if (redirectUri !== pending.redirectUri) {
        throw aadsts.redirectMismatch(redirectUri, client.clientId);
      }
      if (pending.challenge) {
        const verifier = req.params.get('code_verifier');
        if (!verifier) throw aadsts.pkceMissing();
        const computed = pending.challengeMethod === 'plain' ? verifier : pkceChallenge(verifier);
        if (!sameSecret(computed, pending.challenge)) throw aadsts.pkceMismatch();
      }
      pending.redeemed = true;
      // The scopes of the token request may differ in order; what was consented counts.
      parseDelegatedScope(requiredScope(req));
      return userTokens(client, pending.user, pending.scope, req, pending.nonce);
    },

    async refresh_token(req) {
      const client = await authenticateClient(req);
      const token = req.params.get('refresh_token');
      if (!token) throw aadsts.missingParameter('refresh_token');
      const grant = refreshTokens.get(token);
      if (!grant || grant.client.clientId.toLowerCase() !== client.clientId.toLowerCase()) {
        throw aadsts.refreshTokenExpired();
      }
      // Rotation: the used refresh token is spent; the answer carries its successor.
      refreshTokens.delete(token);
      const asked = req.params.get('scope');
      const scope = asked ? parseDelegatedScope(asked) : grant.scope;
      if (scope.resource !== grant.scope.resource) {
        throw aadsts.invalidScope(
          asked ?? '',
          'The refresh token was issued for another resource.'
        );
      }
      const oidc = new Set([...scope.oidc, 'offline_access']);
      return userTokens(client, grant.user, { ...grant.scope, oidc }, req);
    },
  };

  return {
    grants,
    /** Revokes every refresh token (of one user, if given): the next renewal fails with 70008. */
    revokeRefreshTokens(user?: string): number {
      let n = 0;
      for (const [rt, g] of refreshTokens) {
        if (!user || g.user === user.toLowerCase()) {
          refreshTokens.delete(rt);
          n++;
        }
      }
      return n;
    },
    activeRefreshTokens: () => refreshTokens.size,
  };
}

/**
 * The two halves of "Connect account" (authorization code grant with PKCE):
 * 1. the URL of the identity platform's sign-in page for this app registration;
 * 2. redeeming the code the browser brings back, which yields the account and the MSAL cache
 *    holding its refresh token, for the caller to persist (encrypted).
 * The state value and its binding to the admin's session are the caller's business.
 */
import crypto from 'node:crypto';
import { createMsalApp, scopesFor, type OAuth2Settings, type TokenCacheStore } from './msal';

/** RFC 7636: a 43–128 character verifier, and its S256 challenge. */
export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = crypto.randomBytes(48).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export async function authorizationUrl(
  settings: OAuth2Settings,
  request: { redirectUri: string; state: string; challenge: string; loginHint?: string },
  opts: { ca?: string[] } = {}
): Promise<string> {
  const { app, explain, close } = createMsalApp(settings, opts);
  try {
    return await app.getAuthCodeUrl({
      scopes: scopesFor(settings),
      redirectUri: request.redirectUri,
      state: request.state,
      codeChallenge: request.challenge,
      codeChallengeMethod: 'S256',
      // The admin may be signed in to Microsoft as someone else than the mailbox account.
      prompt: 'select_account',
      loginHint: request.loginHint || undefined,
    });
  } catch (err) {
    throw explain(err);
  } finally {
    close();
  }
}

export type ConnectedAccount = {
  /** the signed-in user (UPN), shown in the admin */
  username: string;
  /** MSAL's account key: `<oid>.<tid>` */
  homeAccountId: string;
  /** the serialized MSAL cache (access + refresh token): a secret, store it encrypted */
  cache: string;
};

export async function redeemAuthorizationCode(
  settings: OAuth2Settings,
  request: { code: string; redirectUri: string; verifier: string },
  opts: { ca?: string[] } = {}
): Promise<ConnectedAccount> {
  // A private, empty cache: nothing of a previous connection leaks into this one.
  let serialized = '';
  const store: TokenCacheStore = {
    load: async () => serialized || null,
    save: async (data) => {
      serialized = data;
    },
  };
  const { app, explain, close } = createMsalApp(settings, { ...opts, store });
  try {
    const result = await app.acquireTokenByCode({
      code: request.code,
      redirectUri: request.redirectUri,
      scopes: scopesFor(settings),
      codeVerifier: request.verifier,
    });
    const account = result?.account;
    if (!account?.homeAccountId || !serialized.includes('RefreshToken')) {
      throw Object.assign(
        new Error(
          'The sign-in returned no account or no refresh token (is offline_access granted?).'
        ),
        { code: 'EOAUTH2' }
      );
    }
    return { username: account.username, homeAccountId: account.homeAccountId, cache: serialized };
  } catch (err) {
    throw explain(err);
  } finally {
    close();
  }
}

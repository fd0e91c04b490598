/**
 * OAuth2 access tokens for SASL XOAUTH2, obtained with MSAL from Microsoft Entra ID (or any
 * authority host: a sovereign cloud, or the tests' local identity platform). Three grants:
 * - client credentials: app-only, the app's own secret;
 * - password (ROPC): delegated, the section's user name and password;
 * - authorization code: delegated, an account connected once in the admin (oauth2-delegated.ts);
 *   tokens are renewed silently with the refresh token from the persisted MSAL cache.
 * One token source per identity: see oauth2-cache.ts for when a request goes out.
 */
import type { AccountInfo, AuthenticationResult } from '@azure/msal-node';
import { TENANT_ALIASES } from '../../../../shared/contracts/settings';
import { MailError } from '../errors';
import { createTokenCache, type FreshToken, type TokenStats } from './cache';
import { createMsalApp, scopesFor, type MsalOptions, type OAuth2Settings } from './msal';

export {
  DEFAULT_SCOPE,
  DELEGATED_SCOPES,
  scopesFor,
  type OAuth2Settings,
  type TokenCacheStore,
} from './msal';
export type { TokenStats } from './cache';

export interface TokenSource {
  /** EOAUTH2 (or ECONFIG) MailError on failure; never logs or exposes the token */
  getAccessToken(opts?: { forceRefresh?: boolean }): Promise<string>;
  /** requests made, last renewal, expiry, last error: no secret */
  stats(): TokenStats;
  /** ends the connections to the identity platform; idempotent */
  close(): void;
}

export interface TokenSourceOptions extends MsalOptions {
  /** password grant: the mailbox account */
  username?: string;
  password?: string;
  /** authorization code grant: the connected account (from `redeemAuthorizationCode`) */
  homeAccountId?: string;
}

function fresh(result: AuthenticationResult | null): FreshToken {
  if (!result?.accessToken) throw new Error('the identity platform returned no access token');
  return {
    accessToken: result.accessToken,
    // MSAL always sets it for tokens; one hour is Entra's default, should it be missing.
    expiresOn: result.expiresOn ?? new Date(Date.now() + 3600_000),
    fromCache: result.fromCache,
    account: result.account?.username || undefined,
  };
}

const notConnected = () =>
  new MailError('EOAUTH2', 'No Microsoft 365 account is connected.', {
    diagnosis:
      'The authorization code grant needs an account connected in the admin panel, and none is (or it was disconnected, or the app registration changed since).',
    fix: 'Save the settings, then press "Connect account" in this section and sign in with the mailbox account.',
  });

const missingPassword = () =>
  new MailError('ECONFIG', 'The password grant needs a user name and password.', {
    diagnosis:
      'The password grant signs in with the user name and password of this section, and one of them is empty.',
    fix: 'Fill in the user name (the mailbox address) and the password, or choose another grant.',
  });

/**
 * App-only tokens need the tenant named: "use a tenant ID or domain name, and not common or
 * organizations with this flow" (https://learn.microsoft.com/entra/identity-platform/scenario-daemon-app-configuration).
 * Said here, before MSAL fails with a generic message.
 */
const ORGANISATION_ALIASES = new Set<string>(TENANT_ALIASES);
const tenantNotNamed = (tenant: string) =>
  new MailError('EOAUTH2', `The client credentials grant cannot use the tenant "${tenant}".`, {
    diagnosis: `"${tenant}" is not a tenant but an alias for many: an app-only token must say which organisation it acts in.`,
    fix: 'Enter the Directory (tenant) ID of your organisation (App registrations → Overview), or its domain such as contoso.onmicrosoft.com.',
    reason: 'tenant-not-named',
  });

export function createTokenSource(
  settings: OAuth2Settings,
  opts: TokenSourceOptions = {}
): TokenSource {
  const { app, explain, close } = createMsalApp(settings, opts);
  const scopes = scopesFor(settings);
  let fetch: (force: boolean) => Promise<FreshToken>;

  switch (settings.grant) {
    case 'client_credentials':
      fetch = async (force) => {
        if (ORGANISATION_ALIASES.has(settings.tenantId.trim().toLowerCase())) {
          throw tenantNotNamed(settings.tenantId);
        }
        return fresh(await app.acquireTokenByClientCredential({ scopes, skipCache: force }));
      };
      break;
    case 'password':
      // MSAL always asks the network for this grant; the cache in front of it makes that once
      // per token lifetime. Deprecated by MSAL, still what tenants without MFA use.
      fetch = async () => {
        if (!opts.username || !opts.password) throw missingPassword();
        return fresh(
          await app.acquireTokenByUsernamePassword({
            scopes,
            username: opts.username,
            password: opts.password,
          })
        );
      };
      break;
    case 'authorization_code':
      fetch = async (force) => {
        const account = opts.homeAccountId
          ? await app.getTokenCache().getAccountByHomeId(opts.homeAccountId)
          : null;
        if (!account) throw notConnected();
        return fresh(
          await app.acquireTokenSilent({
            account: account as AccountInfo,
            scopes,
            forceRefresh: force,
          })
        );
      };
      break;
    default:
      throw new MailError('ECONFIG', `Unknown OAuth2 grant "${String(settings.grant)}".`, {
        diagnosis: `The OAuth2 grant "${String(settings.grant)}" is not supported.`,
        fix: 'Choose client credentials, authorization code or password.',
      });
  }

  const cache = createTokenCache(fetch, explain);
  return { getAccessToken: (o) => cache.get(o), stats: () => cache.stats(), close };
}

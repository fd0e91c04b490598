/**
 * The MSAL confidential client for one app registration (authority host, tenant, client), and
 * the bridge between MSAL's token cache and a store the caller provides (the plugin keeps it
 * encrypted in the database), so refresh tokens survive restarts and are shared by instances.
 */
import {
  ConfidentialClientApplication,
  type ICachePlugin,
  type TokenCacheContext,
} from '@azure/msal-node';
import { diagnoseTokenError } from '../diagnose';
import type { MailError } from '../errors';
import { networkClient, type FailedAnswer } from './network';
import { clientAssertion, parseClientCertificate } from './certificate';

/** The Exchange Online resource of the global cloud (national clouds: shared/contracts/settings.ts). */
const GLOBAL_OUTLOOK = 'outlook.office365.com';
/** App-only (client credentials): the Exchange Online resource with its granted app roles. */
const appScope = (host: string) => `https://${host}/.default`;
/**
 * Delegated (authorization code, password): both protocols of one resource, so one sign-in
 * serves SMTP and IMAP. MSAL adds `openid profile offline_access` (the refresh token) itself.
 */
const delegatedScopes = (host: string) => [
  `https://${host}/IMAP.AccessAsUser.All`,
  `https://${host}/SMTP.Send`,
];
export const DEFAULT_SCOPE = appScope(GLOBAL_OUTLOOK);
export const DELEGATED_SCOPES = delegatedScopes(GLOBAL_OUTLOOK);

export interface OAuth2Settings {
  grant: 'client_credentials' | 'authorization_code' | 'password';
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM private key + certificate: used instead of the client secret when set */
  clientCertificate?: string;
  authorityHost: string;
  /** the Outlook host of the tenant's cloud, which default scopes name (global when absent) */
  resourceHost?: string;
  scopes: string[];
}

/** Where the serialized MSAL cache (refresh tokens included) lives between uses. */
export interface TokenCacheStore {
  load(): Promise<string | null>;
  save(serialized: string): Promise<void>;
}

export interface MsalOptions {
  ca?: string[];
  store?: TokenCacheStore;
}

export function scopesFor(settings: OAuth2Settings): string[] {
  if (settings.scopes.length) return settings.scopes;
  const host = settings.resourceHost ?? GLOBAL_OUTLOOK;
  return settings.grant === 'client_credentials' ? [appScope(host)] : delegatedScopes(host);
}

/**
 * Reads the store before every MSAL cache access and writes it back when MSAL changed it (a new
 * or rotated refresh token), so another instance's rotation is seen and ours is never lost.
 */
function cachePlugin(store: TokenCacheStore): ICachePlugin {
  return {
    async beforeCacheAccess(ctx: TokenCacheContext) {
      const data = await store.load();
      if (data) ctx.tokenCache.deserialize(data);
    },
    async afterCacheAccess(ctx: TokenCacheContext) {
      if (ctx.cacheHasChanged) await store.save(ctx.tokenCache.serialize());
    },
  };
}

export interface MsalClient {
  app: ConfidentialClientApplication;
  /** EOAUTH2 MailError for anything MSAL threw, with Entra's answer when MSAL dropped it */
  explain(err: unknown): MailError;
  /** closes the connections to the identity platform; idempotent */
  close(): void;
}

/** MSAL errors that replace the identity platform's own answer with a generic one. */
const GENERIC = /endpoints_resolution_error|openid_config_error|untrusted_authority/i;

export function createMsalApp(settings: OAuth2Settings, opts: MsalOptions = {}): MsalClient {
  let failed: FailedAnswer | null = null;
  const network = networkClient(opts.ca ?? [], (answer) => {
    failed = answer;
  });
  // Read once: a broken bundle fails here, with ECONFIG saying what is wrong.
  const certificate = settings.clientCertificate
    ? parseClientCertificate(settings.clientCertificate)
    : null;
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: settings.clientId,
      ...(certificate
        ? {
            clientAssertion: async ({ clientId, tokenEndpoint }) =>
              clientAssertion(certificate, clientId, tokenEndpoint ?? ''),
          }
        : { clientSecret: settings.clientSecret }),
      authority: `https://${settings.authorityHost}/${settings.tenantId}`,
      // Naming the host as known skips MSAL's instance discovery call to Microsoft, which
      // would otherwise leave the machine even for a sovereign or local authority.
      knownAuthorities: [settings.authorityHost],
    },
    cache: opts.store ? { cachePlugin: cachePlugin(opts.store) } : undefined,
    system: { networkClient: network },
  });
  return {
    app,
    close: () => network.close(),
    explain(err) {
      const bag = (err && typeof err === 'object' ? err : {}) as { errorCode?: unknown };
      const answer = failed as FailedAnswer | null;
      failed = null;
      if (
        answer &&
        GENERIC.test(String(bag.errorCode ?? '')) &&
        /AADSTS\d+/.test(answer.error_description)
      ) {
        const enriched = Object.assign(
          new Error(`${answer.error}: ${answer.error_description}`, { cause: err }),
          { errorCode: answer.error, errorMessage: answer.error_description }
        );
        return diagnoseTokenError(enriched, settings.authorityHost);
      }
      return diagnoseTokenError(err, settings.authorityHost);
    },
  };
}

/**
 * OAuth2 access tokens for SASL XOAUTH2, obtained with MSAL from Microsoft Entra ID (or any
 * authority host, e.g. a sovereign cloud or the tests' local identity platform).
 * One MSAL application per (authority, tenant, client): MSAL caches the token until shortly
 * before expiry, so many sends cost one token request.
 */
import https from 'node:https';
import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkResponse,
} from '@azure/msal-node';
import { MailError } from './errors';
import { diagnoseTokenError } from './diagnose';

export const DEFAULT_SCOPE = 'https://outlook.office365.com/.default';
const REQUEST_TIMEOUT_MS = 10_000;

export interface OAuth2Settings {
  grant: 'client_credentials' | 'authorization_code' | 'password';
  tenantId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  scopes: string[];
}

export interface TokenSource {
  getAccessToken(opts?: { forceRefresh?: boolean }): Promise<string>;
}

/** MSAL's HTTP client, on node:https so that extra CAs (company or test CA) are trusted. */
function networkClient(ca: string[]): INetworkModule {
  const send = <T>(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    body?: string
  ) =>
    new Promise<NetworkResponse<T>>((resolve, reject) => {
      const req = https.request(
        url,
        { method, headers, ca: ca.length ? ca : undefined, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // MSAL reports a non-JSON body itself; keep the text for the diagnosis.
            }
            const lower: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) lower[k.toLowerCase()] = String(v);
            resolve({ headers: lower, body: parsed as T, status: res.statusCode ?? 0 });
          });
          res.on('error', reject);
        }
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('token request timed out'), { code: 'ETIMEDOUT' }))
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options?.headers),
    sendPostRequestAsync: (url, options) => send('POST', url, options?.headers, options?.body),
  };
}

export function createTokenSource(
  settings: OAuth2Settings,
  opts: { ca?: string[] } = {}
): TokenSource {
  if (settings.grant !== 'client_credentials') {
    throw new MailError(
      'ECONFIG',
      `The OAuth2 grant "${settings.grant}" is not available in this version.`,
      {
        diagnosis: `The OAuth2 grant "${settings.grant}" is not available in this version.`,
        fix: 'Choose the client credentials grant (app-only access).',
      }
    );
  }
  const authority = `https://${settings.authorityHost}/${settings.tenantId}`;
  const app = new ConfidentialClientApplication({
    auth: {
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      authority,
      // Naming the host as known skips MSAL's instance discovery call to Microsoft, which
      // would otherwise leave the machine even for a sovereign or local authority.
      knownAuthorities: [settings.authorityHost],
    },
    system: { networkClient: networkClient(opts.ca ?? []) },
  });
  const scopes = settings.scopes.length ? settings.scopes : [DEFAULT_SCOPE];
  return {
    async getAccessToken({ forceRefresh = false } = {}) {
      try {
        const result = await app.acquireTokenByClientCredential({
          scopes,
          skipCache: forceRefresh,
        });
        if (!result?.accessToken) throw new Error('the identity platform returned no access token');
        return result.accessToken;
      } catch (err) {
        throw diagnoseTokenError(err);
      }
    },
  };
}

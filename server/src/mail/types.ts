/**
 * Plain types of the framework-free mail core. Nothing here depends on Strapi or on the
 * protocol libraries, so services, the admin contract and tests can share them.
 */
import type { PROBE_STEPS } from '../../../shared/contracts/connection-test';
import type { MailErrorInfo } from './errors';

/** How the connection is protected: implicit TLS, STARTTLS upgrade, or none at all. */
export type Security = 'tls' | 'starttls' | 'none';

export type Endpoint = { host: string; port: number; security: Security };

/**
 * Credentials for a login. The second form is SASL XOAUTH2: the token is fetched right
 * before the login so a cached token that has just expired is never sent.
 */
export type MailAuth =
  | { user: string; pass: string }
  | {
      user: string;
      getAccessToken: (opts?: { forceRefresh?: boolean }) => Promise<string>;
      /** how the token is obtained: Microsoft's remedies differ for app-only and delegated */
      grant?: OAuthGrant;
    };

/** The OAuth2 grants a section can use (shared/contracts/settings.ts). */
export type OAuthGrant = 'client_credentials' | 'authorization_code' | 'password';

/**
 * Extra trusted CA certificates (PEM), e.g. a company CA. They are added to Node's public
 * roots; certificate verification itself is always strict.
 */
export type TlsSettings = { ca?: string[] };

/** A step the probes emit ('sender' is added by the IMAP Test from the settings, not here). */
export type ProbeStepName = Exclude<(typeof PROBE_STEPS)[number], 'sender'>;

export type ProbeStepStatus = 'ok' | 'failed' | 'skipped' | 'warning';

export type ProbeStep = {
  name: ProbeStepName;
  status: ProbeStepStatus;
  ms: number;
  /** human readable, e.g. "TLSv1.3, certificate for localhost issued by Example CA" */
  detail?: string;
};

/** The outcome of a connection test; a failing server is a result, not an exception. */
export type ProbeResult = {
  ok: boolean;
  steps: ProbeStep[];
  error?: MailErrorInfo;
  durationMs: number;
};

/** What the diagnoses need to know of a login: who, and for OAuth2 which grant. */
export function authContext(auth: MailAuth | undefined): {
  user?: string;
  oauth2: boolean;
  grant?: OAuthGrant;
} {
  return {
    user: auth?.user,
    oauth2: isOAuth2(auth),
    grant: isOAuth2(auth) ? (auth.grant ?? 'client_credentials') : undefined,
  };
}

export function isOAuth2(
  auth: MailAuth | undefined
): auth is Extract<MailAuth, { getAccessToken: unknown }> {
  return !!auth && 'getAccessToken' in auth;
}

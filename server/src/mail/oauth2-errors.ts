/**
 * Turns what Microsoft Entra ID (via MSAL) answers into EOAUTH2 errors that name the cause
 * and the fix. Codes are read from the AADSTS number, never from the English text.
 */
import { MailError } from './errors';

interface Explanation {
  diagnosis: string;
  fix: string;
}

const AADSTS: Record<string, (s: { tenantId: string; clientId: string }) => Explanation> = {
  '7000215': () => ({
    diagnosis: 'The client secret is wrong (AADSTS7000215).',
    fix: 'Copy the secret *Value* (not the Secret ID) from Azure portal → App registrations → your app → Certificates & secrets.',
  }),
  '7000222': () => ({
    diagnosis: 'The client secret has expired (AADSTS7000222).',
    fix: 'Create a new client secret in Azure portal → App registrations → Certificates & secrets, then paste it here.',
  }),
  '700016': (s) => ({
    diagnosis: `No application with client ID ${s.clientId} exists in tenant ${s.tenantId} (AADSTS700016).`,
    fix: 'Check the Application (client) ID on the app registration Overview page, and that the app was consented in this tenant.',
  }),
  '90002': (s) => ({
    diagnosis: `The tenant ${s.tenantId} does not exist (AADSTS90002).`,
    fix: 'Use the Directory (tenant) ID from the app registration Overview page, or your primary domain.',
  }),
  '65001': () => ({
    diagnosis: 'An administrator has not consented to the permissions of this app (AADSTS65001).',
    fix: 'In Azure portal → App registrations → API permissions, click "Grant admin consent".',
  }),
  '70011': () => ({
    diagnosis: 'The requested scope is not valid for this grant (AADSTS70011, invalid_scope).',
    fix: 'For app-only access use https://outlook.office365.com/.default (https://outlook.office365.us/.default for GCC High).',
  }),
};

export function explainTokenError(
  err: unknown,
  settings: { tenantId: string; clientId: string; authorityHost: string }
): MailError {
  if (err instanceof MailError) return err;
  const e = err as { errorCode?: string; errorMessage?: string; message?: string; code?: string };
  const text = `${e.errorMessage ?? ''} ${e.message ?? ''}`;
  const number = /AADSTS(\d+)/.exec(text)?.[1];
  const known = number
    ? AADSTS[number]
    : e.errorCode === 'invalid_scope'
      ? AADSTS['70011']
      : undefined;
  const explanation: Explanation = known
    ? known(settings)
    : e.errorCode === 'endpoints_resolution_error' ||
        e.code === 'ETIMEDOUT' ||
        e.code === 'ECONNREFUSED'
      ? {
          diagnosis: `The identity platform at ${settings.authorityHost} could not be reached or did not present a trusted certificate.`,
          fix: 'Check the authority host (login.microsoftonline.com for the global cloud) and that Strapi can reach it over HTTPS.',
        }
      : {
          diagnosis: `The identity platform refused to issue a token${e.errorCode ? ` (${e.errorCode})` : ''}.`,
          fix: 'Check the tenant ID, client ID, client secret and the API permissions of the app registration.',
        };
  return new MailError('EOAUTH2', explanation.diagnosis, {
    ...explanation,
    cause: err,
    response: number ? `AADSTS${number}` : e.errorCode,
  });
}

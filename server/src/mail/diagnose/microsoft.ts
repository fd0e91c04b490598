/**
 * Microsoft 365 (Exchange Online) and Microsoft Entra ID answers, recognised by the RFC 3463
 * enhanced status code in the SMTP response and by the AADSTS number of token errors. The
 * fixes are the PowerShell/portal steps Microsoft documents for IMAP/SMTP with OAuth2.
 */
import type { DiagnoseContext, Facts, Finding } from './facts';

/** Exchange Online endpoints, global and sovereign clouds. */
export const isMicrosoftHost = (host: string) =>
  /(^|\.)(office365\.(com|us)|outlook\.(com|office365\.com)|partner\.outlook\.cn|office\.com)$/i.test(
    host
  );

const mailbox = (ctx: DiagnoseContext) => ctx.user ?? '<mailbox address>';

/** Service principal registration and mailbox access for app-only (client credentials) tokens. */
export function servicePrincipalSteps(ctx: DiagnoseContext): string {
  const mbx = mailbox(ctx);
  return (
    'In Exchange Online PowerShell register the app and give it this mailbox: ' +
    '`New-ServicePrincipal -AppId <client id> -ServiceId <object id from Enterprise applications>`, ' +
    `then \`Add-MailboxPermission -Identity ${mbx} -User <service principal id> -AccessRights FullAccess\`` +
    (ctx.protocol === 'smtp'
      ? ` and \`Add-RecipientPermission -Identity ${mbx} -Trustee <service principal id> -AccessRights SendAs\``
      : '') +
    '. Also check that the app has the Office 365 Exchange Online permission ' +
    (ctx.protocol === 'smtp' ? 'SMTP.SendAsApp' : 'IMAP.AccessAsApp') +
    ' with admin consent, and that the user name is the mailbox address.'
  );
}

export function microsoftFinding(f: Facts, ctx: DiagnoseContext): Finding | undefined {
  const mbx = mailbox(ctx);
  switch (f.enhanced) {
    case '5.7.139':
      return {
        code: 'EAUTH',
        diagnosis:
          'Microsoft 365 refused the login because SMTP AUTH (authenticated client submission) is disabled for this mailbox or for the whole tenant, e.g. by Security defaults.',
        fix: `In Exchange Online PowerShell run \`Set-CASMailbox -Identity ${mbx} -SmtpClientAuthenticationDisabled $false\` (tenant-wide: \`Set-TransportConfig -SmtpClientAuthenticationDisabled $false\`), or turn off Security defaults in Microsoft Entra ID. Changes can take an hour.`,
      };
    case '5.7.3':
      return ctx.oauth2
        ? {
            code: 'EAUTH',
            diagnosis:
              'Microsoft 365 refused the OAuth2 login: the app is not registered as a service principal in Exchange Online, or it has no permission on this mailbox.',
            fix: servicePrincipalSteps(ctx),
          }
        : {
            code: 'EAUTH',
            // 5.7.3 is also what many other servers answer to a wrong password.
            diagnosis: isMicrosoftHost(ctx.endpoint.host)
              ? `Microsoft 365 refused the user name or password for ${mbx}, or basic authentication is blocked for this account.`
              : `The server refused the user name or password for ${mbx}.`,
            fix: 'Check the user name (the full mailbox address) and the password. If the account uses multi-factor authentication or basic authentication is blocked, switch this section to OAuth2.',
          };
    case '5.7.30':
      return {
        code: 'EAUTH',
        diagnosis:
          'Microsoft 365 no longer accepts a user name and password (basic authentication) for sending from this tenant.',
        fix: 'Enable OAuth2 for this section (Tenant ID, Client ID, Client secret) and grant the app SMTP.SendAsApp with admin consent.',
      };
    case '5.7.57':
      return {
        code: 'EAUTH',
        diagnosis:
          'Microsoft 365 refused the message because the client did not log in: anonymous sending is not allowed on this endpoint.',
        fix: 'Fill in user name and password, or enable OAuth2, and use smtp.office365.com port 587 with STARTTLS.',
      };
    case '5.2.252':
    case '5.7.60':
      return {
        code: 'EENVELOPE',
        diagnosis: `Microsoft 365 does not allow ${mbx} to send as this sender address (SendAsDenied).`,
        fix: `Use the mailbox's own address as From, or grant the right: \`Add-RecipientPermission -Identity <from address> -Trustee ${mbx} -AccessRights SendAs\`.`,
      };
    default:
      return undefined;
  }
}

/** Entra ID error numbers (AADSTS…) that admins actually run into, and what to do. */
const AADSTS: Record<string, { diagnosis: string; fix: string }> = {
  '7000215': {
    diagnosis: 'The client secret is wrong.',
    fix: 'Copy the secret *Value* (not the Secret ID) from App registrations → Certificates & secrets.',
  },
  '7000222': {
    diagnosis: 'The client secret has expired.',
    fix: 'Create a new client secret in App registrations → Certificates & secrets and save it here.',
  },
  '700016': {
    diagnosis: 'No application with this Client ID exists in the tenant.',
    fix: 'Check the Client ID (Application ID) and the Tenant ID; a multi-tenant app needs admin consent in this tenant.',
  },
  '90002': {
    diagnosis: 'The tenant was not found.',
    fix: 'Check the Tenant ID (Directory ID) and the authority host (sovereign clouds use another one).',
  },
  '900023': {
    diagnosis: 'The Tenant ID is not a valid tenant identifier.',
    fix: 'Use the Directory (tenant) ID from the app registration overview.',
  },
  '65001': {
    diagnosis: 'The permissions of the app have not been consented to.',
    fix: 'Grant admin consent for the API permissions of the app registration.',
  },
  '70011': {
    diagnosis: 'The requested scope is not valid for this app.',
    fix: 'App-only: use https://outlook.office365.com/.default; delegated: …/IMAP.AccessAsUser.All or …/SMTP.Send plus offline_access.',
  },
  '50126': {
    diagnosis: 'Microsoft Entra ID refused the user name or password.',
    fix: 'Check the user name and password of this section.',
  },
  '50076': {
    diagnosis:
      'The account requires multi-factor authentication, which the password grant cannot do.',
    fix: 'Use the client credentials or authorization code grant instead.',
  },
  '70008': {
    diagnosis: 'The refresh token has expired or was revoked.',
    fix: 'Connect the account again from the settings page.',
  },
  '500011': {
    diagnosis: 'Exchange Online is not available in this tenant for the requested resource.',
    fix: 'Check that the tenant has Exchange Online and that the scope names outlook.office365.com.',
  },
  '7000218': {
    diagnosis: 'No client secret was sent: the app registration is confidential and needs one.',
    fix: 'Enter the client secret Value from App registrations → Certificates & secrets.',
  },
  '50011': {
    diagnosis: 'The redirect URI of this Strapi is not registered in the app registration.',
    fix: 'In App registrations → Authentication, add a Web platform redirect URI equal to the one shown under "Connect account", then connect again.',
  },
  '54005': {
    diagnosis:
      'The sign-in answer was already used (the callback page was reloaded or opened twice).',
    fix: 'Press "Connect account" again.',
  },
  '70000': {
    diagnosis: 'The sign-in answer (authorization code) has expired or is not valid for this app.',
    fix: 'Press "Connect account" again and finish the sign-in within a few minutes.',
  },
  '501481': {
    diagnosis: 'The sign-in did not come from the request this Strapi started (PKCE check failed).',
    fix: 'Press "Connect account" again and finish the sign-in in the same browser.',
  },
  '50173': {
    diagnosis: 'The refresh token was revoked (password changed, or sessions revoked by an admin).',
    fix: 'Connect the account again from the settings page.',
  },
  '50053': {
    diagnosis: 'The account is locked after too many failed sign-ins, or the sign-in is blocked.',
    fix: 'Wait, or ask the Microsoft 365 admin to unlock the account; then test again.',
  },
  '50055': {
    diagnosis: 'The password of the account has expired.',
    fix: 'Change the password in Microsoft 365, then enter the new one here.',
  },
  '50057': {
    diagnosis: 'The account is disabled in Microsoft Entra ID.',
    fix: 'Enable the account, or use another mailbox account.',
  },
  '53003': {
    diagnosis: 'A Conditional Access policy of the tenant blocks this sign-in.',
    fix: 'Ask the Microsoft 365 admin to exclude this app or account from the policy, or use the client credentials grant.',
  },
};

/** Entra numbers that mean the same as one in the table. */
const AADSTS_ALIASES: Record<string, string> = {
  '50079': '50076',
  '50148': '501481',
  '700082': '70008',
  '700084': '70008',
};

/** Errors from MSAL or another token source: always EOAUTH2, with the AADSTS hint if known. */
export function tokenFinding(f: Facts): Finding {
  const aadsts = f.message.match(/AADSTS(\d+)/)?.[1];
  const known = aadsts ? AADSTS[AADSTS_ALIASES[aadsts] ?? aadsts] : undefined;
  if (known) return { code: 'EOAUTH2', ...known };
  if (/consent_required/i.test(f.message)) return { code: 'EOAUTH2', ...AADSTS['65001'] };
  if (/access_denied/i.test(f.message)) {
    return {
      code: 'EOAUTH2',
      diagnosis: 'The sign-in was cancelled, or the user declined the requested permissions.',
      fix: 'Press "Connect account" again and accept the permissions (an admin may have to grant consent first).',
    };
  }
  if (/invalid_grant/i.test(f.message)) return { code: 'EOAUTH2', ...AADSTS['70008'] };
  if (/endpoints_resolution_error|network|ENOTFOUND|ECONNREFUSED|certificate/i.test(f.message)) {
    return {
      code: 'EOAUTH2',
      diagnosis:
        'The identity platform could not be reached, or its TLS certificate is not trusted.',
      fix: 'Check the authority host and that the Strapi server can open https connections to it.',
    };
  }
  return {
    code: 'EOAUTH2',
    diagnosis: 'No access token could be obtained from the identity platform.',
    fix: 'Check Tenant ID, Client ID and Client secret, and that the app registration has the mail permissions with admin consent.',
  };
}

/** MSAL errors carry `errorCode` and `errorMessage`; Entra ID answers an AADSTS number. */
export function looksLikeTokenError(err: unknown, f: Facts): boolean {
  const bag = (err && typeof err === 'object' ? err : {}) as Record<string, unknown>;
  const msal = typeof bag.errorCode === 'string' && 'errorMessage' in bag;
  return msal || /AADSTS\d+/.test(f.message);
}

/**
 * The identity platform's answer, for `MailError.response`: "<error>: AADSTS<n>: <first
 * sentence>", without the trace and correlation ids and timestamps MSAL appends.
 */
export function tokenResponse(err: unknown, f: Facts): string | undefined {
  const bag = (err && typeof err === 'object' ? err : {}) as Record<string, unknown>;
  const text = typeof bag.errorMessage === 'string' ? bag.errorMessage : f.message;
  const aadsts = /AADSTS\d+:.*?(?=\s+(?:-\s+)?(?:Trace ID|Correlation ID|Timestamp):|$)/s.exec(
    text
  )?.[0];
  if (!aadsts) return undefined;
  const error = typeof bag.errorCode === 'string' && bag.errorCode ? `${bag.errorCode}: ` : '';
  return `${error}${aadsts.replace(/\s+/g, ' ').trim()}`.slice(0, 500);
}

/**
 * Microsoft 365 (Exchange Online) and Microsoft Entra ID answers, recognised by the RFC 3463
 * enhanced status code in the SMTP response and by the AADSTS number of token errors. The
 * fixes are the PowerShell/portal steps Microsoft documents for IMAP/SMTP with OAuth2.
 */
import type { DiagnoseContext, Facts, Finding } from './facts';

import { isMicrosoftHost } from '../../../../shared/contracts/settings';

export { isMicrosoftHost };

const mailbox = (ctx: DiagnoseContext) => ctx.user ?? '<mailbox address>';
const delegated = (ctx: DiagnoseContext) =>
  ctx.grant === 'authorization_code' || ctx.grant === 'password';
/** Sending as another address than the mailbox needs SendAs on that address; as itself, not. */
const sendsAsOther = (ctx: DiagnoseContext) =>
  ctx.protocol === 'smtp' &&
  !!ctx.from &&
  !!ctx.user &&
  ctx.from.toLowerCase() !== ctx.user.toLowerCase();

/**
 * What Exchange Online needs before it accepts an OAuth2 login to this mailbox, per grant.
 * https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
 * (`-ServiceId` is being deprecated in favour of `-ObjectId`:
 * https://learn.microsoft.com/powershell/module/exchange/new-serviceprincipal)
 */
export function exchangeAccessSteps(ctx: DiagnoseContext): string {
  const mbx = mailbox(ctx);
  const smtp = ctx.protocol === 'smtp';
  if (delegated(ctx)) {
    return (
      `The token is the signed-in user's: the user name must be that user's mailbox (or a shared mailbox the user has Full Access to), ` +
      `the app needs the delegated permission ${smtp ? 'SMTP.Send' : 'IMAP.AccessAsUser.All'} of Office 365 Exchange Online with consent, ` +
      (smtp
        ? `and SMTP AUTH must be on for the mailbox: \`Set-CASMailbox -Identity ${mbx} -SmtpClientAuthenticationDisabled $false\`.`
        : `and IMAP must be on for the mailbox: \`Set-CASMailbox -Identity ${mbx} -ImapEnabled $true\`.`)
    );
  }
  return (
    'In Exchange Online PowerShell register the app and give it this mailbox: ' +
    '`New-ServicePrincipal -AppId <client id> -ObjectId <object id of the app under Enterprise applications, not App registrations>`, ' +
    `then \`Add-MailboxPermission -Identity ${mbx} -User <client id> -AccessRights FullAccess\`` +
    (sendsAsOther(ctx)
      ? ` and, to send as ${ctx.from}, \`Add-RecipientPermission -Identity ${ctx.from} -Trustee <client id> -AccessRights SendAs\``
      : '') +
    '. The app needs the Office 365 Exchange Online application permission ' +
    (smtp ? 'SMTP.SendAsApp' : 'IMAP.AccessAsApp') +
    ' with admin consent, and the user name must be the mailbox address.'
  );
}

/**
 * 5.7.139 carries its cause in the text; each has its own remedy.
 * https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission
 */
function smtpAuthRefused(f: Facts, ctx: DiagnoseContext): Finding {
  const text = f.response ?? f.message;
  const mbx = mailbox(ctx);
  if (/SmtpClientAuthentication is disabled/i.test(text)) {
    const tenant = /for the Tenant/i.test(text);
    return {
      code: 'EAUTH',
      reason: 'smtp-auth-disabled',
      diagnosis: `Microsoft 365 refused the login because SMTP AUTH (authenticated client submission) is turned off for ${tenant ? 'the whole tenant' : `the mailbox ${mbx}`}. OAuth2 logins need it on too.`,
      fix: tenant
        ? `Turn it on for this mailbox only: \`Set-CASMailbox -Identity ${mbx} -SmtpClientAuthenticationDisabled $false\` (or tenant-wide: \`Set-TransportConfig -SmtpClientAuthenticationDisabled $false\`). Changes can take an hour. Where the tenant must keep it off, send through Microsoft Graph instead.`
        : `\`Set-CASMailbox -Identity ${mbx} -SmtpClientAuthenticationDisabled $false\` (or tick "Authenticated SMTP" for the user in the Microsoft 365 admin center). Changes can take an hour.`,
    };
  }
  if (/basic authentication is disabled|basic auth/i.test(text)) {
    return basicAuthOff();
  }
  if (/security defaults/i.test(text)) {
    return {
      code: 'EAUTH',
      reason: 'security-defaults',
      diagnosis:
        "Microsoft 365 refused the login: the tenant's Security defaults block SMTP AUTH and password logins.",
      fix: 'Use OAuth2 for this section (client credentials), or have the Microsoft 365 admin replace Security defaults with Conditional Access policies that allow it.',
    };
  }
  if (/\blocked\b|lockout/i.test(text)) {
    return {
      code: 'EAUTH',
      reason: 'account-locked',
      diagnosis: `Microsoft 365 has locked ${mbx} after failed sign-ins.`,
      fix: 'Wait for the lockout to end or ask the Microsoft 365 admin to unlock the account, then check the password before testing again.',
    };
  }
  if (/did not meet the criteria|conditional access/i.test(text)) {
    return {
      code: 'EAUTH',
      reason: 'conditional-access',
      diagnosis:
        'Microsoft 365 refused the login: a Conditional Access policy of the tenant (e.g. one requiring multi-factor authentication) does not allow it.',
      fix: 'Use OAuth2 with the client credentials grant, or ask the Microsoft 365 admin to exclude this account or app from the policy.',
    };
  }
  return {
    code: 'EAUTH',
    reason: 'smtp-auth-disabled',
    diagnosis:
      'Microsoft 365 refused the login (5.7.139): SMTP AUTH is off for this mailbox or the tenant, or a tenant policy blocks the sign-in.',
    fix: `\`Set-CASMailbox -Identity ${mbx} -SmtpClientAuthenticationDisabled $false\`; if it is on, check Security defaults and Conditional Access in Microsoft Entra ID.`,
  };
}

/** Basic authentication (a password) is off for SMTP: the remedy is OAuth2, not turning it on. */
const basicAuthOff = (): Finding => ({
  code: 'EAUTH',
  reason: 'basic-auth-disabled',
  diagnosis:
    'Microsoft 365 no longer accepts a user name and password (basic authentication) for SMTP in this tenant.',
  fix: 'Tick "OAuth2 setup" for this section (Tenant ID, Client ID, and a client secret or certificate) and grant the app SMTP.SendAsApp with admin consent, or send through Microsoft Graph.',
});

export function microsoftFinding(f: Facts, ctx: DiagnoseContext): Finding | undefined {
  const mbx = mailbox(ctx);
  const response = f.response ?? '';
  // 430 4.2.0 STOREDRV … mailbox logon failure: a 4xx that no retry cures (no access to the
  // mailbox). 554 5.2.0 STOREDRV.Submission … SendAsDenied: the sender is not allowed.
  if (/STOREDRV/i.test(response) && /logon failure/i.test(response)) {
    return {
      code: 'EAUTH',
      reason: 'mailbox-logon',
      permanent: true,
      diagnosis: `Microsoft 365 accepted the login but could not open the mailbox ${mbx} for it (mailbox logon failure).`,
      fix: exchangeAccessSteps(ctx),
    };
  }
  if (/SendAsDenied/i.test(response) || f.enhanced === '5.2.252' || f.enhanced === '5.7.60') {
    const from = ctx.from ?? '<from address>';
    return {
      code: 'EENVELOPE',
      reason: 'send-as-denied',
      diagnosis: `Microsoft 365 does not allow ${mbx} to send as ${from} (SendAs denied).`,
      fix: `Use the mailbox's own address as From, or grant the right: \`Add-RecipientPermission -Identity ${from} -Trustee ${ctx.oauth2 && !delegated(ctx) ? '<client id>' : mbx} -AccessRights SendAs\`.`,
    };
  }
  switch (f.enhanced) {
    case '5.7.139':
      return smtpAuthRefused(f, ctx);
    case '5.7.3':
      return ctx.oauth2
        ? {
            code: 'EAUTH',
            reason: delegated(ctx) ? 'delegated-access' : 'service-principal',
            diagnosis: delegated(ctx)
              ? `Microsoft 365 refused the OAuth2 login of the signed-in user for ${mbx}: the user is not this mailbox, the app lacks the delegated permission, or SMTP AUTH is off for the mailbox.`
              : 'Microsoft 365 refused the OAuth2 login: the app is not registered as a service principal in Exchange Online, or it has no permission on this mailbox.',
            fix: exchangeAccessSteps(ctx),
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
      return basicAuthOff();
    case '5.7.57':
      return {
        code: 'EAUTH',
        diagnosis:
          'Microsoft 365 refused the message because the client did not log in: anonymous sending is not allowed on this endpoint.',
        fix: 'Fill in user name and password, or enable OAuth2, and use smtp.office365.com port 587 with STARTTLS.',
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
    diagnosis:
      'The grant of the connected account has been revoked (by an admin or the user), so a fresh sign-in is needed.',
    fix: 'Connect the account again from the settings page.',
  },
  // The entries below follow https://learn.microsoft.com/entra/identity-platform/reference-error-codes
  '530035': {
    diagnosis:
      "The tenant's Security defaults blocked this sign-in (legacy authentication, or a request they deem unsafe).",
    fix: 'Use the client credentials grant (app-only), or have the Microsoft 365 admin replace Security defaults with Conditional Access policies that allow this app.',
  },
  '50194': {
    diagnosis:
      'The app is single-tenant, so it cannot sign in through common / organizations: the tenant must be named.',
    fix: 'Enter the Directory (tenant) ID of your organisation as Tenant ID, or make the app registration multi-tenant.',
  },
  '700022': {
    diagnosis:
      'The scopes name more than one resource (e.g. Outlook and Graph together), which one token cannot cover.',
    fix: 'Leave the scopes empty to use the default for this section and cloud, or name scopes of a single host.',
  },
  '90038': {
    diagnosis:
      'The tenant belongs to another Microsoft cloud (a national cloud) than the authority this section signs in at.',
    fix: "Choose the tenant's cloud (US Government, US Government DoD, China) in the OAuth2 settings.",
  },
  // Certificate credentials (https://learn.microsoft.com/entra/identity-platform/certificate-credentials)
  '700027': {
    diagnosis:
      'Microsoft Entra ID did not accept the certificate: it is not uploaded to this app registration, or the signature does not match it.',
    fix: 'Upload the certificate (not the key) under App registrations → Certificates & secrets → Certificates, and check that its thumbprint is the one shown here.',
  },
  '700024': {
    diagnosis:
      "The client assertion is outside its valid time range: this server's clock is wrong.",
    fix: 'Synchronise the clock of the Strapi server (NTP), then test again.',
  },
  '700021': {
    diagnosis: 'The client assertion names another application than the Client ID.',
    fix: 'Use the certificate of this app registration and its Application (client) ID.',
  },
  '9001023': {
    diagnosis: 'The client credentials grant cannot use the common or consumers endpoint.',
    fix: 'Enter the Directory (tenant) ID of your organisation as Tenant ID.',
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
export function tokenFinding(f: Facts, authorityHost?: string): Finding {
  // The host it tried: with the field left empty it is the cloud's own, which the admin did
  // not type and may not expect (a sovereign tenant on the global host, a proxy bypassed).
  const at = authorityHost ? ` at ${authorityHost}` : '';
  const aadsts = f.message.match(/AADSTS(\d+)/)?.[1];
  const number = aadsts ? (AADSTS_ALIASES[aadsts] ?? aadsts) : undefined;
  const known = number ? AADSTS[number] : undefined;
  // The reason is the Entra number itself: stable, and what Microsoft's pages are indexed by.
  if (known) return { code: 'EOAUTH2', reason: `AADSTS${number}`, ...known };
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
      reason: 'authority-unreachable',
      diagnosis: `The identity platform${at} could not be reached, or its TLS certificate is not trusted.`,
      fix: `Check the Microsoft cloud (or the authority host${authorityHost ? ` ${authorityHost}` : ''}) and that the Strapi server can open https connections to it.`,
    };
  }
  return {
    code: 'EOAUTH2',
    diagnosis: `No access token could be obtained from the identity platform${at}.`,
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

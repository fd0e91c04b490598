/**
 * Graph's answers in plain words. Graph names its errors (`error.code`); that name is the
 * MailError's `reason`, and the fix is the one Microsoft documents for it:
 * - permissions and admin consent: https://learn.microsoft.com/graph/api/user-sendmail,
 *   https://learn.microsoft.com/graph/api/message-move, https://learn.microsoft.com/graph/api/message-get
 * - application access policies: https://learn.microsoft.com/graph/auth-limit-mailbox-access
 * - RBAC for Applications: https://learn.microsoft.com/exchange/permissions-exo/application-rbac
 * - throttling: https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
 */
import { MailError } from '../errors';

const MAX_RETRY_AFTER_MS = 5 * 60_000;

/** What a client does with Graph, so that a refusal names the permission it lacks. */
export interface GraphAccess {
  /** Mail.Send to send, Mail.ReadWrite to read and move the approvals mailbox's replies */
  permission: 'Mail.Send' | 'Mail.ReadWrite';
  /** a delegated grant (the permission is the user's, consented for the app) */
  delegated: boolean;
}

/** The fix for a 403: the permission, its consent, and the scoping that can leave a mailbox out. */
function accessDeniedFix(access: GraphAccess | undefined): string {
  if (!access) {
    return 'Give the app the Microsoft Graph application permission Mail.Send (to send) or Mail.ReadWrite (to read) and click Grant admin consent; if an application access policy (New-ApplicationAccessPolicy) or RBAC for Applications limits the app, add this mailbox to its scope. Changes can take an hour.';
  }
  if (access.delegated) {
    return `In Entra ID → App registrations → API permissions, add the Microsoft Graph delegated permission ${access.permission}.Shared and grant consent; the signed-in user must own the mailbox or hold ${access.permission === 'Mail.Send' ? 'Send As (Add-RecipientPermission)' : 'Full Access (Add-MailboxPermission)'} on it.`;
  }
  return `In Entra ID → App registrations → API permissions, add the Microsoft Graph application permission ${access.permission} and click Grant admin consent. If an application access policy (New-ApplicationAccessPolicy) or RBAC for Applications (New-ManagementRoleAssignment) scopes the app, add this mailbox to that scope. Changes can take up to an hour to apply.`;
}

export function graphAnswerError(
  status: number,
  json: unknown,
  retryAfter: string | string[] | undefined,
  access?: GraphAccess
): MailError {
  const error = (json as { error?: { code?: string; message?: string } } | null)?.error ?? {};
  const code = error.code ?? `HTTP${status}`;
  const message = `Microsoft Graph answered ${status} ${code}${error.message ? `: ${error.message}` : ''}`;
  const base = { response: message.slice(0, 500), responseCode: status, reason: code };
  const seconds = Number(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
  if (status === 503) {
    // Unavailable is not throttling: retried after its Retry-After, but counted as a failure
    // (a long outage must reach the failure streak and its alert).
    return new MailError('ECONNECTION', message, {
      ...base,
      diagnosis: 'Microsoft Graph is unavailable for now (503 Service Unavailable).',
      fix: 'Nothing to change if it passes: the message is retried. If it lasts, check Microsoft 365 service health.',
      retryAfterMs: Number.isFinite(seconds)
        ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS)
        : undefined,
    });
  }
  if (status === 429) {
    return new MailError('ETHROTTLED', message, {
      ...base,
      diagnosis:
        'Microsoft Graph asked to slow down (throttling): too many requests for this app and mailbox.',
      fix: 'Nothing to change: the message is retried after the delay Graph gives.',
      retryAfterMs: Number.isFinite(seconds)
        ? Math.min(seconds * 1000, MAX_RETRY_AFTER_MS)
        : undefined,
    });
  }
  if (status === 401) {
    return new MailError('EOAUTH2', message, {
      ...base,
      diagnosis:
        'Microsoft Graph refused the access token: it was issued for another resource (audience), tenant or cloud, or has expired.',
      fix: "App-only tokens must be requested for the Graph host of the tenant's cloud with /.default; check the cloud chosen in the OAuth2 settings.",
    });
  }
  if (code === 'MailboxNotEnabledForRESTAPI' || code === 'MailboxNotEnabledForRESTAPIException') {
    return new MailError('ECONFIG', message, {
      ...base,
      diagnosis:
        'This mailbox cannot be used through Microsoft Graph: it is on-premises, inactive, soft-deleted or has no Exchange Online licence.',
      fix: 'Use a mailbox hosted in Exchange Online (with a licence), or send over SMTP.',
    });
  }
  if (code === 'ErrorItemNotFound') {
    return new MailError('EMAILBOX', message, {
      ...base,
      diagnosis:
        'Microsoft Graph found no such message or folder: it was moved or deleted meanwhile.',
      fix: 'Nothing to change when it happens once; check that nothing else moves mail out of the folders the job uses.',
    });
  }
  if (status === 404 || code === 'ErrorInvalidUser' || code === 'Request_ResourceNotFound') {
    return new MailError('ECONFIG', message, {
      ...base,
      diagnosis: 'Microsoft Graph knows no mailbox by this name in the tenant.',
      fix: 'Enter the mailbox address (or its user ID) of a user of this tenant.',
    });
  }
  if (status === 403) {
    return new MailError('EAUTH', message, {
      ...base,
      diagnosis: access
        ? `Microsoft Graph denied this app access to the mailbox: it needs the ${access.delegated ? `delegated permission ${access.permission}.Shared` : `application permission ${access.permission}`}, consented, with the mailbox in the app's scope.`
        : 'Microsoft Graph denied this app access to the mailbox.',
      fix: accessDeniedFix(access),
    });
  }
  if (status === 413) {
    return new MailError('EMESSAGE', message, {
      ...base,
      diagnosis: 'The request was larger than Microsoft Graph accepts (4 MB).',
      fix: 'Send large attachments separately; this should not happen for messages the plugin splits itself.',
    });
  }
  return new MailError(status >= 500 ? 'ECONNECTION' : 'EUNKNOWN', message, {
    ...base,
    diagnosis: `Microsoft Graph answered ${status} (${code}).`,
    fix: status >= 500 ? 'Try again later.' : 'Report the error message.',
  });
}

/** A connection that failed before Graph answered. */
export function graphNetworkError(err: unknown, host: string): MailError {
  const e = err as { code?: string; message?: string };
  const code = e.code ?? '';
  const message = `Microsoft Graph at ${host}: ${e.message ?? String(err)}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new MailError('EDNS', message, {
      diagnosis: `The Graph host ${host} could not be resolved.`,
      fix: 'Check the DNS of the Strapi server and the cloud chosen in the OAuth2 settings.',
      cause: err,
    });
  }
  if (code === 'ETIMEDOUT') {
    return new MailError('ETIMEDOUT', message, {
      diagnosis: `Microsoft Graph at ${host} did not answer in time.`,
      fix: 'Check that the Strapi server can open https connections to it (proxy, firewall).',
      cause: err,
    });
  }
  if (/CERT|SSL|TLS/i.test(code) || /certificate/i.test(e.message ?? '')) {
    return new MailError('ETLS', message, {
      diagnosis: `The TLS certificate of ${host} is not trusted.`,
      fix: 'If a proxy inspects TLS, add its CA to the plugin config (tls.ca).',
      cause: err,
    });
  }
  return new MailError('ECONNECTION', message, {
    diagnosis: `The connection to Microsoft Graph at ${host} failed.`,
    fix: 'Check that the Strapi server can open https connections to it (proxy, firewall).',
    cause: err,
  });
}

/**
 * The plugin's one error model. `mail/` throws MailError (no Strapi imports there, codes in
 * MAIL_ERROR_CODES); everything else throws PluginError, a Strapi ApplicationError whose code
 * is in PLUGIN_ERROR_CODES with the HTTP status it answers. Two conversions, both here:
 * - `errorInfo`: any error as the plain { code, message, diagnosis, fix } a Test result, a
 *   Connect failure or a background check shows;
 * - `pluginErrors`: the middleware of every plugin route, which answers a PluginError (or a
 *   MailError reaching a route) with its status in Strapi's error envelope. Controllers do not
 *   catch.
 */
import { errors } from '@strapi/utils';
import type { Context, Next } from 'koa';
import type { DestinationPart } from '../../shared/contracts/settings';
import { isMailError, toInfo, type MailErrorInfo } from './mail';

/** Stable codes of the plugin's own errors, the status each answers, and what it means. */
export const PLUGIN_ERROR_CODES = {
  ECONFIG: { status: 400, meaning: 'Invalid or incomplete settings or request' },
  ESECRETKEY: { status: 400, meaning: 'A stored secret cannot be encrypted or decrypted' },
  ESECRETDEST: { status: 400, meaning: 'A saved secret is withheld from another destination' },
  EAPPROVER: { status: 400, meaning: 'An approver may not perform the action on the entry' },
  ENODECISION: { status: 400, meaning: 'The held reply carries no decision' },
  ECONFIRM: { status: 400, meaning: 'The entry changed or the request expired: confirm it' },
  EFORBIDDEN: { status: 403, meaning: 'Your role may not do this to the entry' },
  ENOTFOUND: { status: 404, meaning: 'No such entry, request or message' },
  ECONFLICT: { status: 409, meaning: 'Changed meanwhile by someone else' },
  ENOTPENDING: { status: 409, meaning: 'The request is no longer pending' },
  ENOTQUARANTINED: { status: 409, meaning: 'The message is not waiting for a review' },
  ENOTRESENDABLE: {
    status: 409,
    meaning: 'Only a failed or cancelled message whose content was kept can be sent again',
  },
  ENOTQUEUED: { status: 409, meaning: 'Only a queued message can be cancelled' },
  EREQUESTER: { status: 409, meaning: 'The requester may no longer edit the entry' },
  ERATELIMIT: { status: 429, meaning: 'Too many requests' },
  // Connect account (authorization code) failures, shown on the settings page, never HTTP.
  ESTATE: { status: 400, meaning: 'The sign-in answer does not belong to a sign-in started here' },
  ESESSION: { status: 400, meaning: 'The admin session that started the sign-in has ended' },
} as const;

export type PluginErrorCode = keyof typeof PLUGIN_ERROR_CODES;

const NAMES: Record<number, string> = {
  403: 'ForbiddenError',
  404: 'NotFoundError',
  409: 'ConflictError',
  429: 'RateLimitError',
};

/** Stable facts beside a PluginError's message: a reason, and for ESECRETDEST what changed. */
export interface PluginErrorDetail {
  reason?: string;
  changed?: DestinationPart[];
  secret?: 'password' | 'clientSecret' | 'clientCertificate';
}

/** An error of the plugin itself (not of a mail server), with a stable code and a fix. */
export class PluginError extends errors.ApplicationError {
  readonly status: number;

  constructor(
    readonly code: PluginErrorCode,
    message: string,
    readonly fix?: string,
    /** the field it is about, e.g. ['smtp', 'password']: a 400 ValidationError on that path */
    readonly path?: string[],
    /** which of several causes with one code, in words the page translates (ESECRETDEST) */
    readonly detail?: PluginErrorDetail
  ) {
    super(message, {
      code,
      fix,
      ...detail,
      ...(path ? { errors: [{ path, message, name: 'ValidationError' }] } : {}),
    });
    // A field of the request at fault is a 400 whatever the code (a documentId in the body
    // that matches nothing is a bad request; a missing resource in the URL is a 404).
    this.status = path ? 400 : PLUGIN_ERROR_CODES[code].status;
    (this as { name: string }).name = path
      ? 'ValidationError'
      : (NAMES[this.status] ?? 'ApplicationError');
  }
}

/** A section set to Microsoft Graph without OAuth2: Graph takes no password. */
export const graphNeedsOAuth2 = (kind: 'smtp' | 'imap') =>
  new PluginError(
    'ECONFIG',
    'Microsoft Graph needs OAuth2.',
    `Tick "Use OAuth2" in the ${kind.toUpperCase()} section and fill in the app registration.`
  );

/** Any error as what the page shows: code, message, diagnosis, fix (never a secret). */
export function errorInfo(
  err: unknown
): Omit<MailErrorInfo, 'code'> & { code: string } & PluginErrorDetail {
  if (isMailError(err)) return toInfo(err);
  if (err instanceof PluginError) {
    return {
      code: err.code,
      message: err.message,
      diagnosis: err.message,
      fix: err.fix,
      ...err.detail,
    };
  }
  const message = (err as Error)?.message ?? String(err);
  return { code: 'EUNKNOWN', message, diagnosis: message };
}

/**
 * The route middleware of every plugin route. It answers here instead of rethrowing: Strapi's
 * authorisation layer, which the error would pass on its way out, turns any 403 into a bare
 * "Forbidden" without the code, and has no class for 409.
 */
export async function pluginErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    const known = err instanceof PluginError ? err : isMailError(err) ? err : null;
    if (!known) throw err;
    const status = known instanceof PluginError ? known.status : 400;
    const details = known instanceof PluginError ? known.details : { ...toInfo(known) };
    ctx.status = status;
    ctx.body = {
      data: null,
      error: { status, name: known.name, message: known.message, details },
    };
  }
}

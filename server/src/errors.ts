/**
 * The one translation table between the plugin's errors and Strapi's HTTP errors.
 * `mail/` throws MailError (no Strapi imports there); services throw PluginError for
 * configuration problems; controllers let Strapi's error middleware build the envelope.
 */
import { errors } from '@strapi/utils';

/** An error of the plugin itself (not of a mail server), with a stable code and a fix. */
export class PluginError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly fix?: string,
    readonly path?: string[]
  ) {
    super(message);
    this.name = 'PluginError';
  }
}

/** Maps a PluginError (or anything carrying a `code`) to the error Strapi renders. */
export function toHttpError(err: unknown): Error {
  if (err instanceof PluginError) {
    const details = { code: err.code, fix: err.fix };
    // RBAC refusals answer 403 as the Content Manager would. A PolicyError, because Strapi
    // turns any other ForbiddenError raised behind its auth into a bare "Forbidden" (no code).
    if (err.code === 'EFORBIDDEN') return new errors.PolicyError(err.message, details);
    if (err.code === 'ERATELIMIT') return new errors.RateLimitError(err.message, details);
    if (err.path) {
      return new errors.ValidationError(err.message, {
        ...details,
        errors: [{ path: err.path, message: err.message, name: 'ValidationError' }],
      });
    }
    return new errors.ApplicationError(err.message, details);
  }
  return err instanceof Error ? err : new Error(String(err));
}

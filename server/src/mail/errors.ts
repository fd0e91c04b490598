/**
 * The one error type of the mail core. Codes borrow nodemailer's vocabulary so that logs,
 * the admin UI and tests can rely on them; `diagnosis` and `fix` are written for a Strapi
 * admin, not for a protocol engineer. Nothing in here may carry a password or a token.
 */

/** Stable codes and what each one means. Tests and callers match on the key, never on text. */
export const MAIL_ERROR_CODES = {
  ECONFIG: 'Invalid or incomplete configuration',
  EDNS: 'The host name could not be resolved',
  ECONNECTION: 'The connection could not be opened or was closed unexpectedly',
  ETIMEDOUT: 'The server did not answer in time',
  ETLS: 'TLS handshake, certificate check or STARTTLS failed',
  EAUTH: 'The server refused the login',
  EOAUTH2: 'The OAuth2 access token could not be obtained or was rejected',
  EPROTOCOL: 'The server answered something that is not the expected protocol',
  EENVELOPE: 'The server refused the sender or a recipient',
  EMESSAGE: 'The server refused the message',
  EMAILBOX: 'The mailbox or folder does not exist or cannot be opened',
  ETHROTTLED: 'The server asked to slow down (throttling); retried after its delay',
  EUNKNOWN: 'Unexpected error',
} as const;

export type MailErrorCode = keyof typeof MAIL_ERROR_CODES;

export type MailErrorOptions = {
  diagnosis: string;
  fix?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  /** which of several diagnoses with one code (e.g. 'smtp-auth-disabled'); stable, for tests and the admin */
  reason?: string;
  /** a 4xx reply that retrying cannot cure */
  permanent?: boolean;
  /** how long the server asked to wait before retrying (Graph's Retry-After) */
  retryAfterMs?: number;
  cause?: unknown;
};

/** Plain JSON form of a MailError, safe to send to the browser or store in a delivery log. */
export type MailErrorInfo = {
  code: MailErrorCode;
  message: string;
  diagnosis: string;
  fix?: string;
  response?: string;
  responseCode?: number;
  command?: string;
  reason?: string;
};

export class MailError extends Error {
  declare readonly code: MailErrorCode;
  /** what is wrong, in plain words */
  readonly diagnosis: string;
  /** what to change so that it works */
  readonly fix?: string;
  /** the server's response line(s), secrets removed */
  readonly response?: string;
  readonly responseCode?: number;
  /** the protocol command that failed, e.g. "AUTH PLAIN" or "RCPT TO" */
  readonly command?: string;
  /** which of several diagnoses with one code; stable like `code` */
  readonly reason?: string;
  /** the server answered 4xx, but retrying cannot cure it */
  readonly permanent?: boolean;
  /** how long the server asked to wait before retrying */
  readonly retryAfterMs?: number;

  constructor(code: MailErrorCode, message: string, opts: MailErrorOptions) {
    super(redact(message), { cause: opts.cause });
    this.name = 'MailError';
    // nodemailer relabels an error from the token callback (`err.code = 'EAUTH'`); the
    // diagnosed code must survive that, so writes to `code` are ignored, not thrown on.
    Object.defineProperty(this, 'code', {
      get: () => code,
      set: () => undefined,
      enumerable: true,
      configurable: false,
    });
    this.diagnosis = opts.diagnosis;
    this.fix = opts.fix;
    this.response = opts.response === undefined ? undefined : redact(opts.response);
    this.responseCode = opts.responseCode;
    this.command = opts.command === undefined ? undefined : redact(opts.command);
    this.reason = opts.reason;
    this.permanent = opts.permanent;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

export function isMailError(err: unknown): err is MailError {
  return err instanceof MailError;
}

export function toInfo(err: MailError): MailErrorInfo {
  const info: MailErrorInfo = { code: err.code, message: err.message, diagnosis: err.diagnosis };
  if (err.fix !== undefined) info.fix = err.fix;
  if (err.response !== undefined) info.response = err.response;
  if (err.responseCode !== undefined) info.responseCode = err.responseCode;
  if (err.command !== undefined) info.command = err.command;
  if (err.reason !== undefined) info.reason = err.reason;
  return info;
}

/**
 * Removes credentials that a server may echo back (some answer "500 unrecognized command"
 * with the whole AUTH line) and bearer tokens that end up in error texts.
 */
export function redact(text: string): string {
  return text
    .replace(
      /\b(AUTH(?:ENTICATE)?\s+(?:PLAIN|LOGIN|XOAUTH2?|OAUTHBEARER|CRAM-MD5)\s+)\S+/gi,
      '$1[redacted]'
    )
    .replace(/\b(Bearer\s+)[\w\-.~+/]+=*/gi, '$1[redacted]')
    .replace(/\beyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, '[redacted-token]');
}

/**
 * Reads the facts diagnose() needs out of whatever was thrown: Node system errors (also
 * nested in AggregateError from happy eyeballs), nodemailer errors (`code`, `originalCode`,
 * `response`, `responseCode`, `command`) and imapflow errors (`authenticationFailed`,
 * `tlsFailed`, `serverResponseCode`, `oauthError`, `responseText`).
 */
import type { MailErrorCode } from '../errors';
import type { Endpoint, OAuthGrant, ProbeStepName } from '../types';

export type DiagnoseContext = {
  protocol: 'smtp' | 'imap';
  step: ProbeStepName;
  endpoint: Endpoint;
  user?: string;
  oauth2?: boolean;
  /** the OAuth2 grant, when oauth2: app-only and delegated logins fail for different reasons */
  grant?: OAuthGrant;
  /** the From address of the message being sent, when there is one */
  from?: string;
};

/** What a classifier decides; diagnose() adds the message and the server's response. */
export type Finding = {
  code: MailErrorCode;
  diagnosis: string;
  fix?: string;
  /** which of several diagnoses with one code: a stable key (MailError.reason) */
  reason?: string;
  /** a 4xx reply that retrying cannot cure (e.g. Exchange's mailbox logon failure) */
  permanent?: boolean;
};

export type Facts = {
  /** every code found on the error and the errors it wraps, upper-cased */
  codes: Set<string>;
  name: string;
  message: string;
  response?: string;
  responseCode?: number;
  /** RFC 3463 enhanced status code from the response, e.g. "5.7.139" */
  enhanced?: string;
  command?: string;
  authFailed: boolean;
  tlsFailed: boolean;
  mailboxMissing: boolean;
  /** IMAP response code, e.g. AUTHENTICATIONFAILED, NONEXISTENT */
  serverCode?: string;
  oauthError?: unknown;
  syscall?: string;
  /** Node's explanation of a host name mismatch */
  reason?: string;
  certNames?: string;
  certValidTo?: string;
};

type Bag = Record<string, unknown>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The error itself and everything it wraps, outermost first, without loops. */
function chain(err: unknown): Bag[] {
  const seen = new Set<unknown>();
  const out: Bag[] = [];
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || seen.has(e) || depth > 4) return;
    seen.add(e);
    const bag = e as Bag;
    out.push(bag);
    if (Array.isArray(bag.errors)) bag.errors.forEach((x) => visit(x, depth + 1));
    visit(bag.cause, depth + 1);
    visit(bag._err, depth + 1);
    visit(bag.parserError, depth + 1);
  };
  visit(err, 0);
  return out;
}

export function readFacts(err: unknown): Facts {
  const all = chain(err);
  const top: Bag = all[0] ?? {};
  const codes = new Set<string>();
  for (const e of all) {
    for (const key of ['code', 'originalCode', 'timeoutType', 'serverResponseCode']) {
      const v = str(e[key]);
      if (v) codes.add(v.toUpperCase());
    }
  }
  const messages = [...new Set(all.map((e) => str(e.message)).filter((m): m is string => !!m))];
  // AggregateError (all addresses failed) has an empty message of its own.
  const message =
    str(top.message) ??
    (messages.length ? messages.join('; ') : typeof err === 'string' ? err : 'unknown error');

  const response = str(top.responseText) ?? str(top.response);
  const numeric = typeof top.responseCode === 'number' ? top.responseCode : undefined;
  const parsed = response?.match(/^([2-5]\d\d)[\s-]/)?.[1];
  const enhanced = response?.match(/\b([245]\.\d{1,3}\.\d{1,3})\b/)?.[1];
  const find = (key: string) => all.map((e) => e[key]).find((v) => v !== undefined);
  const cert = find('cert') as Bag | undefined;

  return {
    codes,
    name: str(top.name) ?? 'Error',
    message,
    response,
    responseCode: numeric ?? (parsed ? Number(parsed) : undefined),
    enhanced,
    command: str(top.command),
    authFailed: all.some(
      (e) => e.authenticationFailed === true || e.name === 'AuthenticationFailure'
    ),
    tlsFailed: all.some((e) => e.tlsFailed === true),
    mailboxMissing: all.some((e) => e.mailboxMissing === true),
    serverCode: str(top.serverResponseCode)?.toUpperCase(),
    oauthError: top.oauthError || undefined,
    syscall: str(find('syscall')),
    reason: str(find('reason')),
    certNames: cert ? str(cert.subjectaltname) : undefined,
    certValidTo: cert ? str(cert.valid_to) : undefined,
  };
}

/** Codes are compared upper-cased: imapflow writes `NotFound`, Node `ECONNREFUSED`. */
export function hasCode(f: Facts, ...codes: string[]): boolean {
  return codes.some((c) => f.codes.has(c.toUpperCase()));
}

export function where(ctx: DiagnoseContext): string {
  return `${ctx.endpoint.host}:${ctx.endpoint.port}`;
}

/** The usual ports, in the words an admin sees in the settings form. */
export function usualPorts(protocol: 'smtp' | 'imap'): string {
  return protocol === 'smtp'
    ? 'SMTP normally uses 587 with STARTTLS, 465 with SSL/TLS, or 25 (often blocked by hosting providers)'
    : 'IMAP normally uses 993 with SSL/TLS or 143 with STARTTLS';
}

export function implicitTlsPort(protocol: 'smtp' | 'imap'): number {
  return protocol === 'smtp' ? 465 : 993;
}

/** Ports on which the server speaks plain text first (STARTTLS or none). */
export function isPlainFirstPort(protocol: 'smtp' | 'imap', port: number): boolean {
  return protocol === 'smtp' ? [25, 587, 2525].includes(port) : port === 143;
}

export function label(protocol: 'smtp' | 'imap'): string {
  return protocol.toUpperCase();
}

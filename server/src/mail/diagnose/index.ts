/**
 * Turns whatever nodemailer, imapflow, MSAL or Node threw into a MailError with a stable code,
 * a diagnosis in plain words and a fix. The classifiers run from the most specific (a
 * Microsoft 365 status code) to the most generic; the first that recognises the error wins.
 */
import { MailError } from '../errors';
import {
  hasCode,
  label,
  readFacts,
  usualPorts,
  where,
  type DiagnoseContext,
  type Facts,
  type Finding,
} from './facts';
import { connectionFinding, dnsFinding, timeoutFinding } from './network';
import { envelopeFinding, mailboxFinding, protocolFinding } from './session';
import { tlsFinding } from './tls';
import { throttleFinding } from './throttle';
import {
  looksLikeTokenError,
  microsoftFinding,
  exchangeAccessSteps,
  tokenResponse,
  tokenFinding,
} from './microsoft';

export type { DiagnoseContext } from './facts';

export function diagnose(err: unknown, ctx: DiagnoseContext): MailError {
  // Already diagnosed (e.g. EOAUTH2 from a token source): its diagnosis is the better one.
  if (err instanceof MailError) return err;
  const f = readFacts(err);
  const finding = (looksLikeTokenError(err, f) ? tokenFinding(f) : undefined) ??
    throttleFinding(f) ??
    microsoftFinding(f, ctx) ??
    configFinding(f) ??
    dnsFinding(f, ctx) ??
    tlsFinding(f, ctx) ??
    timeoutFinding(f, ctx) ??
    authFinding(f, ctx) ??
    mailboxFinding(f) ??
    envelopeFinding(f) ??
    connectionFinding(f, ctx) ??
    protocolFinding(f, ctx) ?? {
      code: 'EUNKNOWN',
      diagnosis: `Unexpected error during the ${ctx.step} step of the ${label(ctx.protocol)} test.`,
      fix: 'Try again; if it persists, report the error message.',
    };
  return build(finding, f, err);
}

/** Anything a token source throws is an OAuth2 problem, unless it is already a MailError. */
/** `authorityHost`: where the token was asked for, named in the diagnosis when it failed. */
export function diagnoseTokenError(err: unknown, authorityHost?: string): MailError {
  if (err instanceof MailError) return err;
  const f = readFacts(err);
  return build(
    tokenFinding(f, authorityHost),
    { ...f, response: f.response ?? tokenResponse(err, f) },
    err
  );
}

function build(v: Finding, f: Facts, cause: unknown): MailError {
  return new MailError(v.code, f.message, {
    diagnosis: v.diagnosis,
    fix: v.fix,
    response: f.response,
    responseCode: f.responseCode,
    command: f.command,
    reason: v.reason,
    permanent: v.permanent,
    cause,
  });
}

function configFinding(f: Facts): Finding | undefined {
  const missing = /Missing credentials|Please configure the login|No password configured/i;
  if (!hasCode(f, 'ECONFIG') && !missing.test(f.message)) return undefined;
  return {
    code: 'ECONFIG',
    diagnosis: 'The settings are incomplete: a user name, password or token is missing.',
    fix: 'Fill in the user name and the password, or enable OAuth2 for this section.',
  };
}

function authFinding(f: Facts, ctx: DiagnoseContext): Finding | undefined {
  const response = f.response ?? '';
  const failed =
    hasCode(f, 'EAUTH', 'AUTHENTICATIONFAILED', 'AUTHORIZATIONFAILED') ||
    f.authFailed ||
    /AUTHENTICATE failed|authentication failed|invalid credentials/i.test(response) ||
    f.responseCode === 530 ||
    (ctx.step === 'authenticate' && [534, 535].includes(f.responseCode ?? 0));
  if (!failed) return undefined;
  const user = ctx.user ?? 'this account';

  if (f.responseCode === 530 && !ctx.user && !/STARTTLS/i.test(response)) {
    return {
      code: 'EAUTH',
      diagnosis: `The server at ${where(ctx)} only accepts mail from logged-in users.`,
      fix: 'Fill in the user name and password (or enable OAuth2) for this section.',
    };
  }

  if (/STARTTLS/i.test(response) || /Login is disabled/i.test(f.message)) {
    return {
      code: 'EAUTH',
      diagnosis: 'The server refuses logins over an unencrypted connection.',
      fix: `Choose STARTTLS or SSL/TLS for this section. ${usualPorts(ctx.protocol)}.`,
    };
  }
  if (f.responseCode === 504 || /unrecognized authentication|mechanism/i.test(response)) {
    return {
      code: 'EAUTH',
      diagnosis: ctx.oauth2
        ? `The server at ${where(ctx)} does not support OAuth2 (XOAUTH2) logins.`
        : `The server at ${where(ctx)} does not support the login method that was tried.`,
      fix: ctx.oauth2
        ? 'Check that host and port belong to a server that supports OAuth2 (Microsoft 365, Gmail), or turn OAuth2 off and use a password.'
        : 'Check the security setting: many servers only offer password logins after STARTTLS/SSL.',
    };
  }
  if (ctx.oauth2) {
    const tokenRejected = !!f.oauthError || /"status"\s*:\s*"40[01]"|invalid_token/i.test(response);
    if (tokenRejected) {
      return {
        code: 'EOAUTH2',
        diagnosis: `The mail server rejected the access token for ${user}: it is expired, issued for another audience or scope, or for another mailbox.`,
        // The plugin asks for a token right before the login, so an expired one is unlikely:
        // what usually remains is access to this mailbox (Exchange's own steps).
        fix:
          ctx.grant === 'client_credentials'
            ? `App-only tokens must be requested for https://outlook.office365.com/.default (the cloud's Outlook host). ${exchangeAccessSteps(ctx)}`
            : `Delegated tokens need ${ctx.protocol === 'smtp' ? 'SMTP.Send' : 'IMAP.AccessAsUser.All'} of the cloud's Outlook host. ${exchangeAccessSteps(ctx)}`,
        reason: 'token-rejected',
      };
    }
    return {
      code: 'EAUTH',
      diagnosis:
        ctx.grant === 'client_credentials'
          ? `The mail server refused the OAuth2 login for ${user} although a token was obtained: the app has no permission on this mailbox, or the user name is not the mailbox address.`
          : `The mail server refused the OAuth2 login for ${user} although a token was obtained: the signed-in user is not this mailbox or has no access to it, or ${label(ctx.protocol)} is off for it.`,
      fix: exchangeAccessSteps(ctx),
      reason: ctx.grant === 'client_credentials' ? 'service-principal' : 'delegated-access',
    };
  }
  if (f.enhanced === '5.7.9' || /application-specific password/i.test(response)) {
    return {
      code: 'EAUTH',
      diagnosis: `The provider requires an app password for ${user} (two-step verification is on).`,
      fix: "Create an app password in the account's security settings and use it here, or switch to OAuth2.",
    };
  }
  if (f.serverCode === 'AUTHORIZATIONFAILED') {
    return {
      code: 'EAUTH',
      diagnosis: `The credentials of ${user} are right, but the account may not use ${label(ctx.protocol)}.`,
      fix: `Enable ${label(ctx.protocol)} access for this account in the mail server or provider's admin center.`,
    };
  }
  return {
    code: 'EAUTH',
    diagnosis: `The server refused the user name or password for ${user}.`,
    fix: `Check the user name (often the full e-mail address) and the password. With two-step verification use an app password; some providers also need ${label(ctx.protocol)} access switched on for the account.`,
  };
}

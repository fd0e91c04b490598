/**
 * The authorize endpoint (`/{tenant}/oauth2/v2.0/authorize`): a sign-in page like Microsoft's
 * (email + password + "Sign in"), then a redirect back to the app with `code` and `state`, or
 * with `error` when the app has no consent. Errors that Entra shows on its own page (unknown
 * tenant, unknown app, redirect URI not registered) are shown here too, never redirected, so an
 * attacker cannot bounce users to an arbitrary URI.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { aadsts, type EntraError } from './identity-errors';
import { sameSecret, type GrantContext } from './identity-grants';
import { parseDelegatedScope } from './identity-tokens';
import type { IdentityClient } from './types';

const CODE_LIFETIME_MS = 10 * 60_000;
/** What the page carries from the GET to the POST; everything else in the query is ignored. */
const CARRIED = [
  'client_id',
  'redirect_uri',
  'response_type',
  'response_mode',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'login_hint',
];

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(res: ServerResponse, status: number, body: string): void {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in to your account</title></head><body style="font-family:sans-serif;max-width:28rem;margin:4rem auto">${body}</body></html>`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(page),
    'Cache-Control': 'no-store',
  });
  res.end(page);
}

function errorPage(res: ServerResponse, err: EntraError): void {
  html(
    res,
    err.status,
    `<h1>Sorry, but we’re having trouble signing you in.</h1><p id="error" data-code="${err.code}">${esc(err.message)}</p>`
  );
}

function signInPage(
  res: ServerResponse,
  action: string,
  params: URLSearchParams,
  problem?: string
) {
  const hidden = CARRIED.filter((k) => params.has(k))
    .map((k) => `<input type="hidden" name="${k}" value="${esc(params.get(k)!)}">`)
    .join('');
  const hint = params.get('login_hint') ?? '';
  html(
    res,
    200,
    `<h1>Sign in</h1>${problem ? `<p role="alert" id="passwordError">${esc(problem)}</p>` : ''}
<form method="post" action="${esc(action)}">${hidden}
<label>Email, phone, or Skype <input type="email" name="loginfmt" value="${esc(hint)}" autocomplete="username" required></label><br>
<label>Password <input type="password" name="passwd" autocomplete="current-password" required></label><br>
<input type="submit" id="idSIButton9" value="Sign in">
</form>`
  );
}

function redirect(res: ServerResponse, uri: string, query: Record<string, string | undefined>) {
  const target = new URL(uri);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) target.searchParams.set(k, v);
  res.writeHead(302, { Location: target.toString(), 'Cache-Control': 'no-store' });
  res.end();
}

/** GET shows the page; POST (the form) signs the user in and redirects back to the app. */
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Exact match, except that the port of a loopback URI is ignored, as Entra does
 * (https://learn.microsoft.com/entra/identity-platform/reply-url#localhost-exceptions).
 */
function redirectRegistered(client: IdentityClient, uri: string): boolean {
  if (!client.redirectUris) return true;
  if (client.redirectUris.includes(uri)) return true;
  const asked = new URL(uri);
  if (!LOOPBACK.has(asked.hostname)) return false;
  return client.redirectUris.some((registered) => {
    const r = new URL(registered);
    return (
      r.protocol === asked.protocol &&
      r.hostname === asked.hostname &&
      r.pathname === asked.pathname &&
      r.search === asked.search
    );
  });
}

export function handleAuthorize(
  ctx: GrantContext,
  res: ServerResponse,
  tenantId: string | undefined,
  tenantSegment: string,
  action: string,
  params: URLSearchParams,
  form?: URLSearchParams
): void {
  if (!tenantId) return errorPage(res, aadsts.tenantNotFound(tenantSegment));
  const clientId = params.get('client_id');
  if (!clientId) return errorPage(res, aadsts.missingParameter('client_id'));
  const client = ctx.client(tenantId, clientId);
  if (!client) return errorPage(res, aadsts.unknownClient(clientId, tenantId));
  const redirectUri = params.get('redirect_uri') ?? '';
  let valid = false;
  try {
    valid = ['http:', 'https:'].includes(new URL(redirectUri).protocol);
  } catch {
    valid = false;
  }
  if (!valid || !redirectRegistered(client, redirectUri)) {
    return errorPage(res, aadsts.redirectMismatch(redirectUri, client.clientId));
  }
  // From here on, errors go back to the (registered) app, as Entra does.
  const state = params.get('state') ?? undefined;
  const fail = (error: string, err: EntraError) =>
    redirect(res, redirectUri, { error, error_description: err.message, state });
  if (params.get('response_type') !== 'code') {
    return fail(
      'unsupported_response_type',
      aadsts.unsupportedGrant(params.get('response_type') ?? '')
    );
  }
  const method = params.get('code_challenge_method') ?? 'plain';
  if (params.get('code_challenge') && method !== 'S256' && method !== 'plain') {
    return fail('invalid_request', aadsts.pkceMissing());
  }
  let scope;
  try {
    scope = parseDelegatedScope(params.get('scope') ?? '');
  } catch (err) {
    return fail('invalid_scope', err as EntraError);
  }

  if (!form) return signInPage(res, action, params);
  const user = ctx.findUser(form.get('loginfmt') ?? '');
  if (!user || !sameSecret(form.get('passwd') ?? '', user.password)) {
    return signInPage(res, action, params, 'Your account or password is incorrect.');
  }
  if (client.consented === false) {
    return fail('consent_required', aadsts.consentRequired(client.clientId));
  }
  const code = `1.A${randomBytes(48).toString('base64url')}`;
  ctx.codes.set(code, {
    client,
    redirectUri,
    user: user.address,
    scope,
    challenge: params.get('code_challenge') ?? undefined,
    challengeMethod: method as 'S256' | 'plain',
    nonce: params.get('nonce') ?? undefined,
    expiresAt: Date.now() + CODE_LIFETIME_MS,
    redeemed: false,
  });
  return redirect(res, redirectUri, {
    code,
    state,
    session_state: randomBytes(16).toString('hex'),
  });
}

/** The form POST carries the original request in hidden fields. */
export function authorizeParams(form: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of CARRIED) {
    const v = form.get(k);
    if (v !== null) out.set(k, v);
  }
  return out;
}

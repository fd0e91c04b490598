/**
 * The mail core's token sources (server/src/mail/oauth2*.ts) against the local identity platform:
 * every grant, the cache in front of MSAL (one request per lifetime, concurrent callers share
 * it, renewal shortly before expiry), the persisted MSAL cache with rotating refresh tokens, the
 * authorize page with PKCE, and the Entra errors each diagnosed by AADSTS number.
 */
import '../helpers/no-internet';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import {
  authorizationUrl,
  createPkcePair,
  createTokenSource,
  redeemAuthorizationCode,
  type OAuth2Settings,
  type TokenCacheStore,
} from '../../server/src/mail';
import { blockedConnections } from '../helpers/no-internet';
import { idpRequest } from '../helpers/oauth2';
import { startMailStack } from '../mailstack';
import { clientSecret, guid } from '../mailstack/identity-platform';
import type { IdentityClient, MailStack, MailUser } from '../mailstack/types';

const REDIRECT = 'http://127.0.0.1:1/mail-server/oauth/callback';

describe('OAuth2 token sources (mail core)', () => {
  let stack: MailStack;
  let user: MailUser;
  const settingsOf = (c: IdentityClient, grant: OAuth2Settings['grant']): OAuth2Settings => ({
    grant,
    tenantId: c.tenantId,
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    authorityHost: stack.idp.authorityHost,
    scopes: [],
  });
  const register = (over: Partial<IdentityClient> = {}) => {
    const c = {
      tenantId: stack.idp.client.tenantId,
      clientId: guid(),
      clientSecret: clientSecret(),
      mailbox: stack.idp.client.mailbox,
      ...over,
    };
    stack.idp.registerClient(c);
    return c;
  };
  const ca = () => [stack.caPem];

  /** The sign-in page, then its form posted with the user's credentials: returns the redirect. */
  async function signIn(url: string, who: MailUser, password = who.password) {
    const page = await idpRequest(stack, url);
    assert.equal(page.status, 200, page.body);
    const form = new URLSearchParams();
    for (const m of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      form.set(
        m[1]!,
        m[2]!.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
      );
    }
    form.set('loginfmt', who.address);
    form.set('passwd', password);
    const target = new URL(url);
    return idpRequest(stack, `${target.origin}${target.pathname}`, form);
  }

  before(async () => {
    stack = await startMailStack();
    user = stack.users.find((u) => u.address.startsWith('editor@'))!;
  });
  after(async () => {
    await stack?.stop();
    assert.deepEqual(blockedConnections(), []);
  });

  test('client credentials: concurrent callers share one request; the token is app-only', async () => {
    const c = register();
    const source = createTokenSource(settingsOf(c, 'client_credentials'), { ca: ca() });
    const before = stack.idp.tokenRequests();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.getAccessToken()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(stack.idp.tokenRequests() - before, 1);
    const claims = decodeJwt(tokens[0]!);
    assert.equal(claims.aud, 'https://outlook.office365.com');
    assert.deepEqual(claims.roles, ['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    await source.getAccessToken({ forceRefresh: true });
    assert.equal(stack.idp.tokenRequests() - before, 2);
    assert.deepEqual(
      { requests: source.stats().requests, forced: source.stats().forced },
      { requests: 2, forced: 1 }
    );
  });

  test('a token is renewed shortly before it expires, not after', async () => {
    stack.idp.setTokenLifetime(4);
    try {
      const source = createTokenSource(settingsOf(register(), 'client_credentials'), { ca: ca() });
      const first = await source.getAccessToken();
      const issued = Date.now();
      let next = first;
      while (next === first && Date.now() - issued < 6000) {
        await new Promise((r) => setTimeout(r, 50));
        next = await source.getAccessToken();
      }
      const renewedAt = Date.now();
      assert.notEqual(next, first, 'renewed');
      assert.ok(renewedAt < decodeJwt(first).exp! * 1000, 'before the old token expired');
      assert.ok(renewedAt - issued > 1500, 'not long before it expires');
      assert.equal(source.stats().requests, 2, 'one request per lifetime, however many calls');
    } finally {
      stack.idp.setTokenLifetime(3600);
    }
  });

  test('password grant: a delegated token for the section user', async () => {
    const c = register();
    const source = createTokenSource(settingsOf(c, 'password'), {
      ca: ca(),
      username: user.address,
      password: user.password,
    });
    const claims = decodeJwt(await source.getAccessToken());
    assert.equal(claims.email, user.address);
    assert.equal(claims.scp, 'IMAP.AccessAsUser.All SMTP.Send');
    assert.equal(source.stats().account, user.address);
    const wrong = createTokenSource(settingsOf(c, 'password'), {
      ca: ca(),
      username: user.address,
      password: 'not-the-password',
    });
    await assert.rejects(wrong.getAccessToken(), (err: any) => {
      assert.equal(err.code, 'EOAUTH2');
      assert.match(err.response, /^invalid_grant: AADSTS50126\b/);
      return true;
    });
    const noPassword = createTokenSource(settingsOf(c, 'password'), {
      ca: ca(),
      username: user.address,
    });
    await assert.rejects(noPassword.getAccessToken(), { code: 'ECONFIG' });
  });

  test('authorization code with PKCE, then silent renewal with a rotating, persisted refresh token', async () => {
    const c = register();
    const settings = settingsOf(c, 'authorization_code');
    const pkce = createPkcePair();
    const url = await authorizationUrl(
      settings,
      {
        redirectUri: REDIRECT,
        state: 'opaque-state',
        challenge: pkce.challenge,
        loginHint: user.address,
      },
      { ca: ca() }
    );
    assert.equal(new URL(url).searchParams.get('code_challenge_method'), 'S256');
    const wrongPassword = await signIn(url, user, 'nope');
    assert.equal(wrongPassword.status, 200, 'the page asks again');
    const back = await signIn(url, user);
    assert.equal(back.status, 302);
    const answer = new URL(back.location!);
    assert.equal(answer.searchParams.get('state'), 'opaque-state');
    const code = answer.searchParams.get('code')!;

    // A verifier from another flow is refused (PKCE), and the code stays unused.
    await assert.rejects(
      redeemAuthorizationCode(
        settings,
        { code, redirectUri: REDIRECT, verifier: createPkcePair().verifier },
        { ca: ca() }
      ),
      (err: any) => err.code === 'EOAUTH2' && /AADSTS501481\b/.test(err.response)
    );
    const connected = await redeemAuthorizationCode(
      settings,
      { code, redirectUri: REDIRECT, verifier: pkce.verifier },
      { ca: ca() }
    );
    assert.equal(connected.username, user.address);
    await assert.rejects(
      redeemAuthorizationCode(
        settings,
        { code, redirectUri: REDIRECT, verifier: pkce.verifier },
        { ca: ca() }
      ),
      (err: any) => /AADSTS54005\b/.test(err.response),
      'a code works once'
    );

    // The store plays the database: every MSAL cache write lands here.
    let saved = connected.cache;
    let writes = 0;
    const store: TokenCacheStore = {
      load: async () => saved,
      save: async (data) => {
        saved = data;
        writes++;
      },
    };
    const refreshOf = (cache: string) =>
      Object.values(JSON.parse(cache).RefreshToken as Record<string, { secret: string }>)[0]!
        .secret;
    const firstRefresh = refreshOf(saved);
    const source = () =>
      createTokenSource(settings, { ca: ca(), store, homeAccountId: connected.homeAccountId });
    // A new process: the access token in the persisted cache is still valid, no request.
    const before = stack.idp.tokenRequests('refresh_token');
    assert.equal(decodeJwt(await source().getAccessToken()).email, user.address);
    assert.equal(stack.idp.tokenRequests('refresh_token'), before);
    // A forced renewal uses the refresh token; the rotated one is persisted.
    await source().getAccessToken({ forceRefresh: true });
    assert.equal(stack.idp.tokenRequests('refresh_token'), before + 1);
    assert.ok(writes >= 1);
    assert.notEqual(refreshOf(saved), firstRefresh, 'rotated refresh token saved');
    // ...and only the new one works (the identity platform spent the old one).
    await source().getAccessToken({ forceRefresh: true });
    assert.equal(stack.idp.tokenRequests('refresh_token'), before + 2);

    // Revoked: the renewal fails with 70008 and the advice to connect again.
    stack.idp.revokeRefreshTokens(user.address);
    await assert.rejects(source().getAccessToken({ forceRefresh: true }), (err: any) => {
      assert.equal(err.code, 'EOAUTH2');
      assert.match(err.response, /AADSTS70008\b/);
      assert.match(err.fix, /Connect/);
      return true;
    });
    // Without a connected account: EOAUTH2 telling to connect.
    await assert.rejects(createTokenSource(settings, { ca: ca() }).getAccessToken(), {
      code: 'EOAUTH2',
    });
  });

  test('Entra errors keep their AADSTS number: consent, tenant, scope, redirect URI', async () => {
    const unconsented = register({ consented: false });
    const ropc = createTokenSource(settingsOf(unconsented, 'password'), {
      ca: ca(),
      username: user.address,
      password: user.password,
    });
    await assert.rejects(ropc.getAccessToken(), (err: any) =>
      /^invalid_grant: AADSTS65001\b/.test(err.response)
    );

    const noTenant = { ...settingsOf(register(), 'client_credentials'), tenantId: guid() };
    await assert.rejects(
      createTokenSource(noTenant, { ca: ca() }).getAccessToken(),
      (err: any) => err.code === 'EOAUTH2' && /AADSTS90002\b/.test(err.response)
    );
    const delegatedScope = {
      ...settingsOf(register(), 'client_credentials'),
      scopes: ['https://outlook.office365.com/SMTP.Send'],
    };
    await assert.rejects(
      createTokenSource(delegatedScope, { ca: ca() }).getAccessToken(),
      (err: any) => /^invalid_scope: AADSTS70011\b/.test(err.response)
    );

    const strict = register({
      redirectUris: ['https://cms.example.test/mail-server/oauth/callback'],
    });
    const url = await authorizationUrl(
      settingsOf(strict, 'authorization_code'),
      { redirectUri: REDIRECT, state: 's', challenge: createPkcePair().challenge },
      { ca: ca() }
    );
    const page = await idpRequest(stack, url);
    assert.equal(page.status, 400, 'shown on the identity platform, not redirected');
    assert.match(page.body, /data-code="50011"/);

    const consent = await signIn(
      await authorizationUrl(
        settingsOf(unconsented, 'authorization_code'),
        { redirectUri: REDIRECT, state: 's', challenge: createPkcePair().challenge },
        { ca: ca() }
      ),
      user
    );
    const denied = new URL(consent.location!);
    assert.equal(denied.searchParams.get('error'), 'consent_required');
    assert.match(denied.searchParams.get('error_description')!, /^AADSTS65001\b/);
  });
});

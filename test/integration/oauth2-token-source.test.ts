/**
 * The mail core's token sources (server/src/mail/oauth2*.ts) against the local identity platform:
 * every grant, the cache in front of MSAL (one request per lifetime, concurrent callers share
 * it, renewal shortly before expiry), the persisted MSAL cache with rotating refresh tokens, the
 * authorize page with PKCE, and the Entra errors each diagnosed by AADSTS number.
 */
import '../helpers/no-internet';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { rejectionOf } from '../helpers/expect';
import { decodeJwt } from 'jose';
import {
  authorizationUrl,
  createPkcePair,
  createTokenSource,
  parseClientCertificate,
  redeemAuthorizationCode,
  type MailError,
  type OAuth2Settings,
  type TokenCacheStore,
} from '../../server/src/mail';
import { blockedConnections } from '../helpers/no-internet';
import { cloudHosts } from '../../shared/contracts/settings';
import { idpRequest, registerApp } from '../helpers/oauth2';
import { startMailStack } from '../mailstack';
import { createClientCertificate } from '../mailstack/certs';
import { clientAssertion } from '../../server/src/mail/oauth2/certificate';
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
  const register = (over: Partial<IdentityClient> = {}) => registerApp(stack, over);
  const ca = () => [stack.caPem];

  /** The sign-in page, then its form posted with the user's credentials: returns the redirect. */
  async function signIn(url: string, who: MailUser, password = who.password) {
    const page = await idpRequest(stack, url);
    expect(page.status).toBe(200);
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

  beforeAll(async () => {
    stack = await startMailStack({
      users: [{ address: 'mfa@example.test', password: 'mfa-user-password', mfaRequired: true }],
    });
    user = stack.users.find((u) => u.address.startsWith('editor@'))!;
  });
  afterAll(async () => {
    await stack?.stop();
    expect(blockedConnections()).toStrictEqual([]);
  });

  test('client credentials: concurrent callers share one request; the token is app-only', async () => {
    const c = register();
    const source = createTokenSource(settingsOf(c, 'client_credentials'), { ca: ca() });
    const before = stack.idp.tokenRequests();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.getAccessToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(stack.idp.tokenRequests() - before).toBe(1);
    const claims = decodeJwt(tokens[0]!);
    expect(claims.aud).toBe('https://outlook.office365.com');
    expect(claims.roles).toStrictEqual(['IMAP.AccessAsApp', 'SMTP.SendAsApp']);
    await source.getAccessToken({ forceRefresh: true });
    expect(stack.idp.tokenRequests() - before).toBe(2);
    expect({ requests: source.stats().requests, forced: source.stats().forced }).toStrictEqual({
      requests: 2,
      forced: 1,
    });
  });

  test.each([
    ['usgov', 'outlook.office365.us'],
    ['usgovdod', 'outlook-dod.office365.us'],
    ['china', 'partner.outlook.cn'],
  ] as const)(
    'national cloud %s: the token is for its Outlook host, app-only and delegated',
    async (cloud, outlook) => {
      const c = register();
      // The authority stays the local platform (an override); the resource follows the cloud.
      const { outlook: resourceHost } = cloudHosts({
        cloud,
        authorityHost: stack.idp.authorityHost,
      });
      expect(resourceHost).toBe(outlook);
      const app = createTokenSource(
        { ...settingsOf(c, 'client_credentials'), resourceHost },
        { ca: ca() }
      );
      expect(decodeJwt(await app.getAccessToken()).aud).toBe(`https://${outlook}`);
      const delegated = createTokenSource(
        { ...settingsOf(c, 'password'), resourceHost },
        { ca: ca(), username: user.address, password: user.password }
      );
      const claims = decodeJwt(await delegated.getAccessToken());
      expect([claims.aud, claims.scp]).toStrictEqual([
        `https://${outlook}`,
        'IMAP.AccessAsUser.All SMTP.Send',
      ]);
      app.close();
      delegated.close();
    }
  );

  describe('certificate credentials', () => {
    let pair: Awaited<ReturnType<typeof createClientCertificate>>;
    let other: Awaited<ReturnType<typeof createClientCertificate>>;
    beforeAll(async () => {
      [pair, other] = await Promise.all([
        createClientCertificate(`${stack.dir}/app-certs`, 'app'),
        createClientCertificate(`${stack.dir}/app-certs`, 'other'),
      ]);
    });
    const certified = () =>
      register({ clientSecret: clientSecret(), certificates: [pair.certificate] });
    const withCertificate = (c: IdentityClient, bundle: string) => ({
      ...settingsOf(c, 'client_credentials'),
      clientSecret: '',
      clientCertificate: bundle,
    });

    test('a client assertion signed by the registered certificate gets an app-only token; each request has a fresh one', async () => {
      const c = certified();
      const source = createTokenSource(withCertificate(c, pair.bundle), { ca: ca() });
      const claims = decodeJwt(await source.getAccessToken());
      expect([claims.aud, claims.roles]).toStrictEqual([
        'https://outlook.office365.com',
        ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
      ]);
      // The platform refuses a replayed jti: two forced renewals pass only with fresh assertions.
      const before = stack.idp.tokenRequests();
      await source.getAccessToken({ forceRefresh: true });
      await source.getAccessToken({ forceRefresh: true });
      expect(stack.idp.tokenRequests() - before).toBe(2);
      source.close();
    });

    test('the platform refuses a replayed assertion and one for another audience', async () => {
      const c = certified();
      const endpoint = `${stack.idp.url}/${c.tenantId}/oauth2/v2.0/token`;
      const form = (assertion: string) =>
        new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: c.clientId,
          scope: 'https://outlook.office365.com/.default',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
        });
      const cert = parseClientCertificate(pair.bundle);
      const once = clientAssertion(cert, c.clientId, endpoint);
      expect((await idpRequest(stack, endpoint, form(once))).status).toBe(200);
      const replay = await idpRequest(stack, endpoint, form(once));
      expect([replay.status, JSON.parse(replay.body).error_codes]).toStrictEqual([401, [50027]]);
      const elsewhere = clientAssertion(
        cert,
        c.clientId,
        `${stack.idp.url}/other/oauth2/v2.0/token`
      );
      expect(
        JSON.parse((await idpRequest(stack, endpoint, form(elsewhere))).body).error_codes
      ).toStrictEqual([50027]);
    });

    test('a certificate not registered on the app: EOAUTH2 AADSTS700027, diagnosed', async () => {
      const c = certified();
      const source = createTokenSource(withCertificate(c, other.bundle), { ca: ca() });
      const err = (await rejectionOf(source.getAccessToken())) as MailError;
      expect([err.code, err.reason]).toStrictEqual(['EOAUTH2', 'AADSTS700027']);
      source.close();
    });

    test('the bundle is read as an admin pastes it; each fault is named', async () => {
      const cert = parseClientCertificate(`\n${pair.certificate}\n${pair.key}\n`); // any order
      const openssl = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {
        input: pair.certificate,
      })
        .toString()
        .split('=')[1]!
        .trim()
        .replace(/:/g, '');
      expect(cert.thumbprintSha256).toBe(openssl);
      const encrypted = execFileSync('openssl', ['pkey', '-aes256', '-passout', 'pass:x'], {
        input: pair.key,
      }).toString();
      const ec = execFileSync('openssl', [
        'genpkey',
        '-algorithm',
        'EC',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
      ]).toString();
      for (const bundle of [
        pair.key,
        pair.certificate,
        `${encrypted}${pair.certificate}`,
        `${ec}${pair.certificate}`,
        `${pair.key}-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n`,
      ]) {
        expect(() => parseClientCertificate(bundle)).toThrow(
          expect.objectContaining({ code: 'ECONFIG', reason: 'certificate-invalid' })
        );
      }
    });

    test("a bundle whose key is not the certificate's: ECONFIG before any request", async () => {
      const c = certified();
      const before = stack.idp.tokenRequests();
      const mixed = `${pair.key}${other.certificate}`;
      expect(() => createTokenSource(withCertificate(c, mixed), { ca: ca() })).toThrow(
        expect.objectContaining({ code: 'ECONFIG', reason: 'certificate-invalid' })
      );
      expect(stack.idp.tokenRequests()).toBe(before);
    });
  });

  test('policies as Entra applies them: MFA refuses the password grant (50076), Conditional Access every grant (53003)', async () => {
    const c = register();
    const mfa = createTokenSource(settingsOf(c, 'password'), {
      ca: ca(),
      username: 'mfa@example.test',
      password: 'mfa-user-password',
    });
    const refused = (await rejectionOf(mfa.getAccessToken())) as MailError;
    expect([refused.code, refused.reason]).toStrictEqual(['EOAUTH2', 'AADSTS50076']);
    const blocked = register({ blockedByConditionalAccess: true });
    const app = createTokenSource(settingsOf(blocked, 'client_credentials'), { ca: ca() });
    const denied = (await rejectionOf(app.getAccessToken())) as MailError;
    expect([denied.code, denied.reason]).toStrictEqual(['EOAUTH2', 'AADSTS53003']);
    // Controls: the same user without the policy, the same grant for an unblocked app.
    expect(
      decodeJwt(
        await createTokenSource(settingsOf(c, 'password'), {
          ca: ca(),
          username: user.address,
          password: user.password,
        }).getAccessToken()
      ).email
    ).toBe(user.address);
    expect(
      decodeJwt(
        await createTokenSource(settingsOf(c, 'client_credentials'), { ca: ca() }).getAccessToken()
      ).aud
    ).toBe('https://outlook.office365.com');
  });

  test('the default app registration has its redirect URIs: any loopback port, nothing else', async () => {
    const c = stack.idp.client;
    const page = async (redirectUri: string) =>
      (
        await idpRequest(
          stack,
          await authorizationUrl(
            settingsOf(c, 'authorization_code'),
            { redirectUri, state: 's', challenge: createPkcePair().challenge },
            { ca: ca() }
          )
        )
      ).status;
    expect(await page('http://127.0.0.1:41234/mail-server/oauth/callback')).toBe(200);
    expect(await page('http://localhost:1337/mail-server/oauth/callback')).toBe(200);
    expect(await page('https://cms.example.test/mail-server/oauth/callback')).toBe(400);
    expect(await page('http://127.0.0.1:41234/elsewhere')).toBe(400);
  });

  test('the documented outlook.office.com scope host is accepted for delegated tokens', async () => {
    const c = register();
    const source = createTokenSource(
      {
        ...settingsOf(c, 'password'),
        scopes: [
          'https://outlook.office.com/IMAP.AccessAsUser.All',
          'https://outlook.office.com/SMTP.Send',
        ],
      },
      { ca: ca(), username: user.address, password: user.password }
    );
    const claims = decodeJwt(await source.getAccessToken());
    expect([claims.aud, claims.scp]).toStrictEqual([
      'https://outlook.office.com',
      'IMAP.AccessAsUser.All SMTP.Send',
    ]);
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
      expect(next).not.toBe(first); // renewed
      expect(renewedAt < decodeJwt(first).exp! * 1000).toBeTruthy(); // before the old token expired
      expect(renewedAt - issued > 1500).toBeTruthy(); // not long before it expires
      expect(source.stats().requests).toBe(2); // one request per lifetime, however many calls
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
    expect(claims.email).toBe(user.address);
    expect(claims.scp).toBe('IMAP.AccessAsUser.All SMTP.Send');
    expect(source.stats().account).toBe(user.address);
    const wrong = createTokenSource(settingsOf(c, 'password'), {
      ca: ca(),
      username: user.address,
      password: 'not-the-password',
    });
    {
      const err: any = await rejectionOf(wrong.getAccessToken());
      expect(err.code).toBe('EOAUTH2');
      expect(err.response).toMatch(/^invalid_grant: AADSTS50126\b/);
    }
    const noPassword = createTokenSource(settingsOf(c, 'password'), {
      ca: ca(),
      username: user.address,
    });
    await expect(noPassword.getAccessToken()).rejects.toMatchObject({ code: 'ECONFIG' });
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
    expect(new URL(url).searchParams.get('code_challenge_method')).toBe('S256');
    const wrongPassword = await signIn(url, user, 'nope');
    expect(wrongPassword.status).toBe(200); // the page asks again
    const back = await signIn(url, user);
    expect(back.status).toBe(302);
    const answer = new URL(back.location!);
    expect(answer.searchParams.get('state')).toBe('opaque-state');
    const code = answer.searchParams.get('code')!;

    // A verifier from another flow is refused (PKCE), and the code stays unused.
    {
      const err: any = await rejectionOf(
        redeemAuthorizationCode(
          settings,
          { code, redirectUri: REDIRECT, verifier: createPkcePair().verifier },
          { ca: ca() }
        )
      );
      expect(err.code).toBe('EOAUTH2');
      expect(err.response).toMatch(/AADSTS501481\b/);
    }
    const connected = await redeemAuthorizationCode(
      settings,
      { code, redirectUri: REDIRECT, verifier: pkce.verifier },
      { ca: ca() }
    );
    expect(connected.username).toBe(user.address);
    {
      const err: any = await rejectionOf(
        redeemAuthorizationCode(
          settings,
          { code, redirectUri: REDIRECT, verifier: pkce.verifier },
          { ca: ca() }
        )
      );
      expect(err.response).toMatch(/AADSTS54005\b/);
    }

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
    expect(decodeJwt(await source().getAccessToken()).email).toBe(user.address);
    expect(stack.idp.tokenRequests('refresh_token')).toBe(before);
    // A forced renewal uses the refresh token; the rotated one is persisted.
    await source().getAccessToken({ forceRefresh: true });
    expect(stack.idp.tokenRequests('refresh_token')).toBe(before + 1);
    expect(writes >= 1).toBeTruthy();
    expect(refreshOf(saved)).not.toBe(firstRefresh); // rotated refresh token saved
    // ...and only the new one works (the identity platform spent the old one).
    await source().getAccessToken({ forceRefresh: true });
    expect(stack.idp.tokenRequests('refresh_token')).toBe(before + 2);

    // Revoked: the renewal fails with 70008 and the advice to connect again.
    stack.idp.revokeRefreshTokens(user.address);
    {
      const err: any = await rejectionOf(source().getAccessToken({ forceRefresh: true }));
      expect(err.code).toBe('EOAUTH2');
      expect(err.response).toMatch(/AADSTS70008\b/);
      expect(err.fix).toMatch(/Connect/);
    }
    // Without a connected account: EOAUTH2 telling to connect.
    await expect(createTokenSource(settings, { ca: ca() }).getAccessToken()).rejects.toMatchObject({
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
    {
      const err: any = await rejectionOf(ropc.getAccessToken());
      expect(err.response).toMatch(/^invalid_grant: AADSTS65001\b/);
    }

    const noTenant = { ...settingsOf(register(), 'client_credentials'), tenantId: guid() };
    {
      const err: any = await rejectionOf(
        createTokenSource(noTenant, { ca: ca() }).getAccessToken()
      );
      expect(err.code).toBe('EOAUTH2');
      expect(err.response).toMatch(/AADSTS90002\b/);
    }
    const delegatedScope = {
      ...settingsOf(register(), 'client_credentials'),
      scopes: ['https://outlook.office365.com/SMTP.Send'],
    };
    {
      const err: any = await rejectionOf(
        createTokenSource(delegatedScope, { ca: ca() }).getAccessToken()
      );
      expect(err.response).toMatch(/^invalid_scope: AADSTS70011\b/);
    }

    const strict = register({
      redirectUris: ['https://cms.example.test/mail-server/oauth/callback'],
    });
    const url = await authorizationUrl(
      settingsOf(strict, 'authorization_code'),
      { redirectUri: REDIRECT, state: 's', challenge: createPkcePair().challenge },
      { ca: ca() }
    );
    const page = await idpRequest(stack, url);
    expect(page.status).toBe(400); // shown on the identity platform, not redirected
    expect(page.body).toMatch(/data-code="50011"/);

    const consent = await signIn(
      await authorizationUrl(
        settingsOf(unconsented, 'authorization_code'),
        { redirectUri: REDIRECT, state: 's', challenge: createPkcePair().challenge },
        { ca: ca() }
      ),
      user
    );
    const denied = new URL(consent.location!);
    expect(denied.searchParams.get('error')).toBe('consent_required');
    expect(denied.searchParams.get('error_description')!).toMatch(/^AADSTS65001\b/);
  });
});

/**
 * "Connect account" (authorization code grant with PKCE) through the real routes: the admin
 * starts it, the local identity platform's sign-in page answers with a code, the plugin's
 * callback stores the account's MSAL cache encrypted. Then mail flows with XOAUTH2 both ways,
 * the connection survives a Strapi restart (rotated refresh token included), Disconnect forgets
 * it, forged or replayed callbacks are refused, and the background check warns.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import crypto from 'node:crypto';
import request from 'supertest';
import { connectionTestResultSchema } from '../../shared/contracts/connection-test';
import { oauthStatusSchema } from '../../shared/contracts/oauth';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { blockedConnections } from '../helpers/no-internet';
import {
  assertNoSecrets,
  connectAccount,
  oauthSections,
  readWithToken,
  registerApp,
} from '../helpers/oauth2';
import { restartStrapi } from '../helpers/restart';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { startMailStack } from '../mailstack';
import { guid } from '../mailstack/identity-platform';
import type { IdentityClient, MailStack, MailUser } from '../mailstack/types';

const CONNECTION = 'plugin::mail-server.oauth-connection';

describe('OAuth2 authorization code: Connect account', () => {
  let stack: MailStack;
  let app: TestStrapi;
  let admin: AdminSession;
  let user: MailUser;
  let client: IdentityClient;
  const texts: string[] = [];

  const http = () => request(app.strapi.server.httpServer);
  const auth = (r: request.Test, who = admin) => r.set('Authorization', `Bearer ${who.token}`);
  const save = async (body: object) => {
    texts.push((await auth(http().put('/mail-server/settings')).send(body).expect(200)).text);
  };
  const probe = async (kind: 'smtp' | 'imap') => {
    const res = await auth(http().post(`/mail-server/connection-test/${kind}`))
      .send({})
      .expect(200);
    texts.push(res.text);
    return connectionTestResultSchema.parse(res.body.data);
  };
  const status = async () => {
    const res = await auth(http().get('/mail-server/oauth/status')).expect(200);
    texts.push(res.text);
    return oauthStatusSchema.parse(res.body.data);
  };
  const connect = (kind: 'smtp' | 'imap', tamper = {}, who = admin) =>
    connectAccount(app.strapi, who, stack, kind, user, tamper);
  const send = (options: object) =>
    app.strapi.plugin('email').service('email').send(options) as Promise<{ messageId: string }>;
  const plugin = () => app.strapi.plugin('mail-server');
  const token = async (kind: 'smtp' | 'imap', forceRefresh = false) =>
    plugin()
      .service('oauth-token')
      .getAccessToken(kind, await plugin().service('settings').getEffective(kind), {
        forceRefresh,
      });

  beforeAll(async () => {
    stack = await startMailStack({ imapMechanisms: ['xoauth2'] });
    user = stack.users.find((u) => u.address.startsWith('editor@'))!;
    client = registerApp(stack);
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_RETRY_DELAY_MS: '20' });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
    await save(
      oauthSections(stack, client, { grant: 'authorization_code', mailbox: user.address })
    );
  });
  afterAll(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('before Connect: Test explains that no account is connected (EOAUTH2)', async () => {
    const result = await probe('smtp');
    expect(result.error?.code).toBe('EOAUTH2');
    expect((await status()).smtp.connection).toBe(null);
  });

  test('Connect both sections → Test SMTP → send → Dovecot → Test IMAP → read back, XOAUTH2', async () => {
    for (const kind of ['smtp', 'imap'] as const) {
      const outcome = await connect(kind);
      expect(outcome.query.get('oauth')).toBe('connected');
      expect(outcome.query.get('section')).toBe(kind);
    }
    const { smtp: st, imap: it } = await status();
    expect(st.connection?.account).toBe(user.address);
    expect(it.connection?.account).toBe(user.address);
    const row = await app.strapi.db.query(CONNECTION).findOne({ where: { section: 'smtp' } });
    expect(row.cache).toMatch(/^mse1:/); // the MSAL cache is stored encrypted

    expect((await probe('smtp')).ok).toBe(true);
    const subject = `code ${crypto.randomBytes(6).toString('hex')}`;
    const sent = await send({ to: user.address, subject, text: 'connected account' });
    expect((await probe('imap')).ok).toBe(true);
    const [mail] = await readWithToken(stack, user.address, await token('imap'), subject);
    expect(mail?.messageId).toBe(sent.messageId);
  });

  test('a restart keeps the connection, with the rotated refresh token', async () => {
    const signIns = stack.idp.tokenRequests('authorization_code');
    await token('smtp', true); // rotates the refresh token; the new one must be persisted
    app = await restartStrapi(app);
    const subject = `restart ${crypto.randomBytes(6).toString('hex')}`;
    await send({ to: user.address, subject, text: 'after restart' });
    const refreshes = stack.idp.tokenRequests('refresh_token');
    await token('smtp', true); // only works with the refresh token saved before the restart
    expect(stack.idp.tokenRequests('refresh_token')).toBe(refreshes + 1);
    expect(stack.idp.tokenRequests('authorization_code')).toBe(signIns); // no new sign-in
    expect((await status()).smtp.connection?.account).toBe(user.address);
  });

  test('Disconnect forgets the account: no row, Test and sends say EOAUTH2', async () => {
    const res = await auth(http().delete('/mail-server/oauth/smtp')).expect(200);
    expect(res.body.data).toStrictEqual({ disconnected: true });
    expect(await app.strapi.db.query(CONNECTION).count({ where: { section: 'smtp' } })).toBe(0);
    expect((await status()).smtp.connection).toBe(null);
    expect((await probe('smtp')).error?.code).toBe('EOAUTH2');
    await expect(send({ to: user.address, subject: 'x', text: 'x' })).rejects.toMatchObject({
      code: 'EOAUTH2',
    });
    expect((await probe('imap')).ok).toBe(true); // the IMAP connection is independent
  });

  test('forged, foreign-browser and replayed callbacks are refused with ESTATE', async () => {
    const forged = await connect('smtp', { state: (s: string) => s.slice(0, -4) + 'AAAA' });
    expect(forged.query.get('code')).toBe('ESTATE');
    const noCookie = await connect('smtp', { dropCookie: true });
    expect([noCookie.query.get('oauth'), noCookie.query.get('code')]).toStrictEqual([
      'failed',
      'ESTATE',
    ]);
    expect((await status()).smtp.connection).toBe(null);
    // The same answer twice: the second is refused even with the cookie.
    const first = await connect('smtp');
    expect(first.query.get('oauth')).toBe('connected');
    const again = await first.replay();
    expect([again.query.get('oauth'), again.query.get('code')]).toStrictEqual(['failed', 'ESTATE']);
    expect((await status()).smtp.connection?.account).toBe(user.address); // still connected
  });

  test('a logged-out admin session cannot complete a Connect (ESESSION); editors cannot start one', async () => {
    const other = await createAdmin(app.strapi, SUPER_ADMIN);
    const outcome = await connectAccount(app.strapi, other, stack, 'smtp', user, {
      beforeCallback: () => auth(http().post('/admin/logout'), other).send({}).expect(200),
    });
    expect(outcome.query.get('code')).toBe('ESESSION');
    const editor = await createAdmin(app.strapi, 'strapi-editor');
    await auth(http().post('/mail-server/oauth/smtp/connect'), editor).expect(403);
    await auth(http().delete('/mail-server/oauth/smtp'), editor).expect(403);
  });

  test('SMTP logging in as another user than the connected account is flagged (EACCOUNT)', async () => {
    const other = stack.users.find((u) => u.address.startsWith('approver@'))!;
    const signIn = (who: MailUser) => connectAccount(app.strapi, admin, stack, 'smtp', who);
    expect((await signIn(other)).query.get('oauth')).toBe('connected');
    expect((await status()).smtp.warnings.some((w) => w.code === 'EACCOUNT')).toBeTruthy();
    expect((await signIn(user)).query.get('oauth')).toBe('connected');
    expect(!(await status()).smtp.warnings.some((w) => w.code === 'EACCOUNT')).toBeTruthy();
  });

  test('a save that names another mailbox drops the connection: its refresh token is not reused', async () => {
    const other = stack.users.find((u) => u.address.startsWith('approver@'))!;
    const sections = (mailbox: string) =>
      oauthSections(stack, client, { grant: 'authorization_code', mailbox });
    await save(sections(other.address));
    expect((await status()).smtp.connection).toBe(null);
    expect((await probe('smtp')).error?.code).toBe('EOAUTH2');
    await save(sections(user.address));
    expect((await connect('smtp')).query.get('oauth')).toBe('connected');
    expect((await probe('smtp')).ok).toBe(true);
  });

  test('missing consent: the callback reports EOAUTH2 and the status shows AADSTS65001', async () => {
    const unconsented = { ...client, clientId: guid(), consented: false };
    stack.idp.registerClient(unconsented);
    await save(
      oauthSections(stack, unconsented, { grant: 'authorization_code', mailbox: user.address })
    );
    const outcome = await connect('smtp');
    expect([outcome.query.get('oauth'), outcome.query.get('code')]).toStrictEqual([
      'failed',
      'EOAUTH2',
    ]);
    const { smtp } = await status();
    expect(smtp.lastError?.response ?? '').toMatch(/^consent_required: AADSTS65001\b/);
    // Back to the consented app: another client id was another destination, so the account
    // connected before was dropped with it and is connected again.
    await save(
      oauthSections(stack, client, { grant: 'authorization_code', mailbox: user.address })
    );
    expect((await status()).smtp.connection).toBe(null);
    expect((await connect('smtp')).query.get('oauth')).toBe('connected');
  });

  test('the background check warns when the token cannot be renewed, and about an idle refresh token', async () => {
    const check = () => plugin().service('oauth-check').run();
    await check();
    expect((await status()).smtp.lastCheck?.ok).toBe(true);

    await app.strapi.db.query(CONNECTION).updateMany({
      where: { section: 'smtp' },
      data: { lastRenewedAt: new Date(Date.now() - 80 * 864e5) },
    });
    plugin().service('oauth-token').forget('smtp');
    expect((await status()).smtp.warnings.map((w) => w.code)).toStrictEqual(['ESTALE']);

    // A short-lived access token, then the refresh token revoked: the next renewal must fail.
    stack.idp.setTokenLifetime(1);
    try {
      await token('smtp', true);
      stack.idp.revokeRefreshTokens(user.address);
      await new Promise((r) => setTimeout(r, 1200));
      await check();
    } finally {
      stack.idp.setTokenLifetime(3600);
    }
    const { smtp } = await status();
    expect(smtp.lastCheck?.ok).toBe(false);
    expect(smtp.warnings.some((w) => w.code === 'EOAUTH2')).toBeTruthy();
    expect(smtp.lastError?.response ?? '').toMatch(/AADSTS70008\b/);
    expect(app.logs()).toMatch(/SMTP: the OAuth2 token cannot be renewed \(EOAUTH2\)/);
  });

  test('no secret or token in API responses, logs or the database row; nothing left loopback', async () => {
    const secrets = [client.clientSecret, ...stack.users.map((u) => u.password)];
    for (const text of texts) assertNoSecrets('an API response', text, secrets);
    expect(app.logs()).toContain('[mail-server] settings saved'); // the capture did see the logs
    assertNoSecrets('the logs', app.logs(), secrets);
    const rows = await app.strapi.db.query(CONNECTION).findMany({});
    assertNoSecrets('the connection rows', JSON.stringify(rows), secrets);
    expect(blockedConnections()).toStrictEqual([]);
  });
});

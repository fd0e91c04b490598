/**
 * "Connect account" (authorization code grant with PKCE) through the real routes: the admin
 * starts it, the local identity platform's sign-in page answers with a code, the plugin's
 * callback stores the account's MSAL cache encrypted. Then mail flows with XOAUTH2 both ways,
 * the connection survives a Strapi restart (rotated refresh token included), Disconnect forgets
 * it, forged or replayed callbacks are refused, and the background check warns.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import request from 'supertest';
import { connectionTestResultSchema } from '../../shared/contracts/connection-test';
import { oauthStatusSchema } from '../../shared/contracts/oauth';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { blockedConnections } from '../helpers/no-internet';
import { assertNoSecrets, connectAccount, oauthSections, readWithToken } from '../helpers/oauth2';
import { restartStrapi } from '../helpers/restart';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { startMailStack } from '../mailstack';
import { clientSecret, guid } from '../mailstack/identity-platform';
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
      .service('oauth')
      .getAccessToken(kind, await plugin().service('settings').getEffective(kind), {
        forceRefresh,
      });

  before(async () => {
    stack = await startMailStack({ imapMechanisms: ['xoauth2'] });
    user = stack.users.find((u) => u.address.startsWith('editor@'))!;
    client = {
      tenantId: stack.idp.client.tenantId,
      clientId: guid(),
      clientSecret: clientSecret(),
      mailbox: stack.idp.client.mailbox,
    };
    stack.idp.registerClient(client);
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_RETRY_DELAY_MS: '20' });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
    await save(
      oauthSections(stack, client, { grant: 'authorization_code', mailbox: user.address })
    );
  });
  after(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('before Connect: Test explains that no account is connected (EOAUTH2)', async () => {
    const result = await probe('smtp');
    assert.equal(result.error?.code, 'EOAUTH2');
    assert.equal((await status()).smtp.connection, null);
  });

  test('Connect both sections → Test SMTP → send → Dovecot → Test IMAP → read back, XOAUTH2', async () => {
    for (const kind of ['smtp', 'imap'] as const) {
      const outcome = await connect(kind);
      assert.equal(outcome.query.get('oauth'), 'connected', outcome.location);
      assert.equal(outcome.query.get('section'), kind);
    }
    const { smtp: st, imap: it } = await status();
    assert.equal(st.connection?.account, user.address);
    assert.equal(it.connection?.account, user.address);
    const row = await app.strapi.db.query(CONNECTION).findOne({ where: { section: 'smtp' } });
    assert.match(row.cache, /^mse1:/, 'the MSAL cache is stored encrypted');

    assert.equal((await probe('smtp')).ok, true);
    const subject = `code ${crypto.randomBytes(6).toString('hex')}`;
    const sent = await send({ to: user.address, subject, text: 'connected account' });
    assert.equal((await probe('imap')).ok, true);
    const [mail] = await readWithToken(stack, user.address, await token('imap'), subject);
    assert.equal(mail?.messageId, sent.messageId);
  });

  test('a restart keeps the connection, with the rotated refresh token', async () => {
    const signIns = stack.idp.tokenRequests('authorization_code');
    await token('smtp', true); // rotates the refresh token; the new one must be persisted
    app = await restartStrapi(app);
    const subject = `restart ${crypto.randomBytes(6).toString('hex')}`;
    await send({ to: user.address, subject, text: 'after restart' });
    const refreshes = stack.idp.tokenRequests('refresh_token');
    await token('smtp', true); // only works with the refresh token saved before the restart
    assert.equal(stack.idp.tokenRequests('refresh_token'), refreshes + 1);
    assert.equal(stack.idp.tokenRequests('authorization_code'), signIns, 'no new sign-in');
    assert.equal((await status()).smtp.connection?.account, user.address);
  });

  test('Disconnect forgets the account: no row, Test and sends say EOAUTH2', async () => {
    const res = await auth(http().delete('/mail-server/oauth/smtp')).expect(200);
    assert.deepEqual(res.body.data, { disconnected: true });
    assert.equal(await app.strapi.db.query(CONNECTION).count({ where: { section: 'smtp' } }), 0);
    assert.equal((await status()).smtp.connection, null);
    assert.equal((await probe('smtp')).error?.code, 'EOAUTH2');
    await assert.rejects(send({ to: user.address, subject: 'x', text: 'x' }), { code: 'EOAUTH2' });
    assert.equal((await probe('imap')).ok, true, 'the IMAP connection is independent');
  });

  test('forged, foreign-browser and replayed callbacks are refused with ESTATE', async () => {
    const forged = await connect('smtp', { state: (s: string) => s.slice(0, -4) + 'AAAA' });
    assert.equal(forged.query.get('code'), 'ESTATE');
    const noCookie = await connect('smtp', { dropCookie: true });
    assert.deepEqual(
      [noCookie.query.get('oauth'), noCookie.query.get('code')],
      ['failed', 'ESTATE']
    );
    assert.equal((await status()).smtp.connection, null);
    // The same answer twice: the second is refused even with the cookie.
    const first = await connect('smtp');
    assert.equal(first.query.get('oauth'), 'connected');
    const again = await first.replay();
    assert.deepEqual([again.query.get('oauth'), again.query.get('code')], ['failed', 'ESTATE']);
    assert.equal((await status()).smtp.connection?.account, user.address, 'still connected');
  });

  test('a logged-out admin session cannot complete a Connect (ESESSION); editors cannot start one', async () => {
    const other = await createAdmin(app.strapi, SUPER_ADMIN);
    const outcome = await connectAccount(app.strapi, other, stack, 'smtp', user, {
      beforeCallback: () => auth(http().post('/admin/logout'), other).send({}).expect(200),
    });
    assert.equal(outcome.query.get('code'), 'ESESSION');
    const editor = await createAdmin(app.strapi, 'strapi-editor');
    await auth(http().post('/mail-server/oauth/smtp/connect'), editor).expect(403);
    await auth(http().delete('/mail-server/oauth/smtp'), editor).expect(403);
  });

  test('SMTP logging in as another user than the connected account is flagged (EACCOUNT)', async () => {
    const other = stack.users.find((u) => u.address.startsWith('approver@'))!;
    const sections = (mailbox: string) =>
      oauthSections(stack, client, { grant: 'authorization_code', mailbox });
    await save(sections(other.address));
    assert.ok((await status()).smtp.warnings.some((w) => w.code === 'EACCOUNT'));
    await save(sections(user.address));
    assert.ok(!(await status()).smtp.warnings.some((w) => w.code === 'EACCOUNT'));
  });

  test('missing consent: the callback reports EOAUTH2 and the status shows AADSTS65001', async () => {
    const unconsented = { ...client, clientId: guid(), consented: false };
    stack.idp.registerClient(unconsented);
    await save(
      oauthSections(stack, unconsented, { grant: 'authorization_code', mailbox: user.address })
    );
    const outcome = await connect('smtp');
    assert.deepEqual(
      [outcome.query.get('oauth'), outcome.query.get('code')],
      ['failed', 'EOAUTH2']
    );
    const { smtp } = await status();
    assert.match(smtp.lastError?.response ?? '', /^consent_required: AADSTS65001\b/);
    await save(
      oauthSections(stack, client, { grant: 'authorization_code', mailbox: user.address })
    );
  });

  test('the background check warns when the token cannot be renewed, and about an idle refresh token', async () => {
    const check = () => plugin().service('oauth-check').run();
    await check();
    assert.equal((await status()).smtp.lastCheck?.ok, true);

    await app.strapi.db.query(CONNECTION).updateMany({
      where: { section: 'smtp' },
      data: { lastRenewedAt: new Date(Date.now() - 80 * 864e5) },
    });
    plugin().service('oauth').forget('smtp');
    assert.deepEqual(
      (await status()).smtp.warnings.map((w) => w.code),
      ['ESTALE']
    );

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
    assert.equal(smtp.lastCheck?.ok, false);
    assert.ok(smtp.warnings.some((w) => w.code === 'EOAUTH2'));
    assert.match(smtp.lastError?.response ?? '', /AADSTS70008\b/);
    assert.match(app.logs(), /SMTP: the OAuth2 token cannot be renewed \(EOAUTH2\)/);
  });

  test('no secret or token in API responses, logs or the database row; nothing left loopback', async () => {
    const secrets = [client.clientSecret, ...stack.users.map((u) => u.password)];
    for (const text of texts) assertNoSecrets('an API response', text, secrets);
    assertNoSecrets('the logs', app.logs(), secrets);
    const rows = await app.strapi.db.query(CONNECTION).findMany({});
    assertNoSecrets('the connection rows', JSON.stringify(rows), secrets);
    assert.deepEqual(blockedConnections(), []);
  });
});

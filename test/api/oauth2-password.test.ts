/**
 * Microsoft 365 delegated OAuth2 with the resource-owner password grant: the section's user
 * name and password buy a delegated token (IMAP.AccessAsUser.All / SMTP.Send) for that user.
 * End to end with XOAUTH2 on both sides (Dovecot offers PLAIN, LOGIN and XOAUTH2, not
 * OAUTHBEARER, so imapflow cannot pick another mechanism), plus the failures a tenant
 * produces for this grant.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import crypto from 'node:crypto';
import request from 'supertest';
import { connectionTestResultSchema } from '../../shared/contracts/connection-test';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { blockedConnections } from '../helpers/no-internet';
import { assertNoSecrets, oauthSections, readWithToken, registerApp } from '../helpers/oauth2';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { startMailStack } from '../mailstack';
import type { IdentityClient, MailStack, MailUser } from '../mailstack/types';

describe('OAuth2 password grant (delegated)', () => {
  let stack: MailStack;
  let app: TestStrapi;
  let admin: AdminSession;
  let user: MailUser;
  const texts: string[] = [];
  const secrets: string[] = [];

  const http = () => request(app.strapi.server.httpServer);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${admin.token}`);
  const save = async (body: object) => {
    texts.push((await auth(http().put('/mail-server/settings')).send(body).expect(200)).text);
  };
  const probe = async (kind: 'smtp' | 'imap', body: object = {}) => {
    const res = await auth(http().post(`/mail-server/connection-test/${kind}`))
      .send(body)
      .expect(200);
    texts.push(res.text);
    return connectionTestResultSchema.parse(res.body.data);
  };
  const send = (options: object) =>
    app.strapi.plugin('email').service('email').send(options) as Promise<{ messageId: string }>;
  const register = (over: Partial<IdentityClient> = {}) => {
    const client = registerApp(stack, over);
    secrets.push(client.clientSecret);
    return client;
  };

  beforeAll(async () => {
    stack = await startMailStack({ imapMechanisms: ['plain', 'login', 'xoauth2'] });
    user = stack.users.find((u) => u.address.startsWith('approver@'))!;
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_RETRY_DELAY_MS: '20' });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  afterAll(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('token → Test SMTP → send through Strapi → Dovecot → Test IMAP → read back, all XOAUTH2', async () => {
    const client = register();
    const before = stack.idp.tokenRequests('password');
    await save(
      oauthSections(stack, client, {
        grant: 'password',
        mailbox: user.address,
        password: user.password,
      })
    );
    const smtp = await probe('smtp');
    expect(smtp.ok).toBe(true);
    const subject = `ropc ${crypto.randomBytes(6).toString('hex')}`;
    const sent = await send({ to: user.address, subject, text: 'delegated token' });
    const imap = await probe('imap');
    expect(imap.ok).toBe(true);
    expect(imap.steps.find((s) => s.name === 'authenticate')?.detail ?? '').toMatch(/XOAUTH2/);

    const service = app.strapi.plugin('mail-server').service('oauth-token');
    const section = await app.strapi.plugin('mail-server').service('settings').getEffective('imap');
    const token = await service.getAccessToken('imap', section);
    const [mail] = await readWithToken(stack, user.address, token, subject);
    expect(mail?.messageId).toBe(sent.messageId);
    // One sign-in for SMTP and IMAP (same user, same app), whatever was sent.
    expect(stack.idp.tokenRequests('password') - before).toBe(1);
  });

  test('a wrong password gives EOAUTH2 with AADSTS50126; no consent gives AADSTS65001', async () => {
    await save(
      oauthSections(stack, register(), {
        grant: 'password',
        mailbox: user.address,
        password: 'wrong-1',
      })
    );
    const wrong = await probe('smtp');
    expect(wrong.error?.code).toBe('EOAUTH2');
    expect(wrong.error?.response ?? '').toMatch(/^invalid_grant: AADSTS50126\b/);

    await save(
      oauthSections(stack, register({ consented: false }), {
        grant: 'password',
        mailbox: user.address,
        password: user.password,
      })
    );
    for (const kind of ['smtp', 'imap'] as const) {
      const result = await probe(kind);
      expect(result.error?.code).toBe('EOAUTH2');
      expect(result.error?.response ?? '').toMatch(/^invalid_grant: AADSTS65001\b/);
      expect(result.error?.fix).toBeTruthy();
    }
    await expect(send({ to: user.address, subject: 'x', text: 'x' })).rejects.toMatchObject({
      code: 'EOAUTH2',
    });
  });

  test('no password, token or secret in responses or logs; nothing left loopback', async () => {
    secrets.push(...stack.users.map((u) => u.password), stack.idp.client.clientSecret);
    texts.push((await auth(http().get('/mail-server/oauth/status')).expect(200)).text);
    texts.push((await auth(http().get('/mail-server/settings')).expect(200)).text);
    for (const text of texts) assertNoSecrets('an API response', text, secrets);
    expect(app.logs()).toContain('[mail-server] settings saved'); // the capture did see the logs
    assertNoSecrets('the logs', app.logs(), secrets);
    expect(blockedConnections()).toStrictEqual([]);
  });
});

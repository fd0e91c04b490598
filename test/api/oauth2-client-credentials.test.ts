/**
 * Microsoft 365 app-only OAuth2 (client credentials) end to end, against a Dovecot that offers
 * only XOAUTH2 like Office 365: token from the local identity platform → Test SMTP → a send
 * through Strapi's email service → Dovecot → Test IMAP → read back with XOAUTH2. Then the token
 * economy (one request for 200 sends, renewal across expiry) and the diagnoses of the usual
 * Entra and Exchange failures, asserted on codes and AADSTS numbers, never on wording.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rejectionOf } from '../helpers/expect';
import crypto from 'node:crypto';
import request from 'supertest';
import { connectionTestResultSchema } from '../../shared/contracts/connection-test';
import { oauthStatusSchema } from '../../shared/contracts/oauth';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { blockedConnections } from '../helpers/no-internet';
import { createTokenSource } from '../../server/src/mail';
import { assertNoSecrets, oauthSections, readWithToken, registerApp } from '../helpers/oauth2';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { startMailStack } from '../mailstack';
import { clientSecret, guid } from '../mailstack/identity-platform';
import { createClientCertificate } from '../mailstack/certs';
import type { IdentityClient, MailStack } from '../mailstack/types';

describe('OAuth2 client credentials (Office 365 mode: XOAUTH2 only)', () => {
  let stack: MailStack;
  let app: TestStrapi;
  let admin: AdminSession;
  const responses: string[] = [];
  const secrets: string[] = [];

  const http = () => request(app.strapi.server.httpServer);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${admin.token}`);
  const save = async (body: object) => {
    const res = await auth(http().put('/mail-server/settings')).send(body).expect(200);
    responses.push(res.text);
    return res.body.data;
  };
  const probe = async (kind: 'smtp' | 'imap', body: object = {}) => {
    const res = await auth(http().post(`/mail-server/connection-test/${kind}`))
      .send(body)
      .expect(200);
    responses.push(res.text);
    return connectionTestResultSchema.parse(res.body.data);
  };
  const status = async () => {
    const res = await auth(http().get('/mail-server/oauth/status')).expect(200);
    responses.push(res.text);
    return oauthStatusSchema.parse(res.body.data);
  };
  const send = (options: object) =>
    app.strapi.plugin('email').service('email').send(options) as Promise<{ messageId: string }>;
  const newClient = (over: Partial<IdentityClient> = {}): IdentityClient => {
    const client = registerApp(stack, over);
    secrets.push(client.clientSecret);
    return client;
  };
  /** The token the plugin holds for the IMAP section (to read the mailbox back over XOAUTH2). */
  const pluginToken = async () => {
    const section = await app.strapi.plugin('mail-server').service('settings').getEffective('imap');
    return app.strapi.plugin('mail-server').service('oauth-token').getAccessToken('imap', section);
  };

  beforeAll(async () => {
    stack = await startMailStack({ imapMechanisms: ['xoauth2'] });
    secrets.push(stack.idp.client.clientSecret, ...stack.users.map((u) => u.password));
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_RETRY_DELAY_MS: '20' });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  afterAll(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('token → Test SMTP → send through Strapi → Dovecot → Test IMAP → read back, all XOAUTH2', async () => {
    const client = stack.idp.client;
    const before = stack.idp.tokenRequests('client_credentials');
    await save(oauthSections(stack, client));

    const smtp = await probe('smtp', { to: client.mailbox });
    expect(smtp.ok).toBe(true);
    expect(smtp.steps.find((s) => s.name === 'authenticate')?.status).toBe('ok');
    const subject = `cc ${crypto.randomBytes(6).toString('hex')}`;
    const sent = await send({ to: client.mailbox, subject, text: 'app-only token' });

    const imap = await probe('imap');
    expect(imap.ok).toBe(true);
    const [mail] = await readWithToken(stack, client.mailbox, await pluginToken(), subject);
    expect(mail?.messageId).toBe(sent.messageId);
    expect(mail?.from?.value[0]?.address).toBe(client.mailbox);
    // SMTP and IMAP use the same app registration: one token serves both, and every later use.
    expect(stack.idp.tokenRequests('client_credentials')).toBe(before + 1);

    const { smtp: st } = await status();
    expect(st.grant).toBe('client_credentials');
    expect(st.token?.requests).toBe(1);
    expect(Date.parse(st.token!.expiresAt!) > Date.now()).toBeTruthy();
    expect(st.warnings).toStrictEqual([]);
  });

  test('200 sends through the pool cost exactly one token request', async () => {
    const client = newClient();
    await save(oauthSections(stack, client));
    const before = stack.idp.tokenRequests();
    const accepted = stack.smtpAccepted();
    const tag = crypto.randomBytes(4).toString('hex');
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        send({ to: client.mailbox, subject: `bulk ${tag} ${i}`, text: `message ${i}` })
      )
    );
    expect(results.filter((r) => r.status === 'rejected')).toStrictEqual([]); // every send succeeded
    expect(stack.smtpAccepted() - accepted).toBe(200);
    expect(stack.idp.tokenRequests() - before).toBe(1);
  });

  test('a token expiring during a run is renewed before use: no send fails, no login refused', async () => {
    stack.idp.setTokenLifetime(4);
    try {
      const client = newClient();
      await save(oauthSections(stack, client));
      const before = stack.idp.tokenRequests();
      const tag = crypto.randomBytes(4).toString('hex');
      const started = Date.now();
      const failures: unknown[] = [];
      // ~8 s of steady sending: each pooled connection is recycled after 100 messages, so
      // connections keep logging in after the first token has expired.
      for (let round = 0; round < 28; round++) {
        const batch = await Promise.allSettled(
          Array.from({ length: 22 }, (_, i) =>
            send({ to: client.mailbox, subject: `expiry ${tag} ${round}.${i}`, text: 'x' })
          )
        );
        failures.push(...batch.filter((r) => r.status === 'rejected'));
        await new Promise((r) => setTimeout(r, 280));
      }
      const seconds = (Date.now() - started) / 1000;
      expect(failures).toStrictEqual([]);
      const section = await app.strapi
        .plugin('mail-server')
        .service('settings')
        .getEffective('smtp');
      const stats = await app.strapi
        .plugin('mail-server')
        .service('oauth-token')
        .stats('smtp', section);
      expect(stats.forced).toBe(0); // no token was refused by the server and renewed afterwards
      const requests = stack.idp.tokenRequests() - before;
      expect(requests >= 2).toBeTruthy();
      expect(requests <= Math.ceil(seconds / 1.5) + 1).toBeTruthy();
    } finally {
      stack.idp.setTokenLifetime(3600);
    }
  });

  for (const [name, aadsts, make] of [
    ['a wrong client secret', '7000215', () => ({ ...newClient(), clientSecret: clientSecret() })],
    [
      'an expired client secret',
      '7000222',
      () => newClient({ secretExpiresAt: Date.now() - 1000 }),
    ],
    ['an unknown tenant', '90002', () => ({ ...newClient(), tenantId: guid() })],
    ['an app not registered in the tenant', '700016', () => ({ ...newClient(), clientId: guid() })],
  ] as const) {
    test(`${name} gives EOAUTH2 with AADSTS${aadsts} in Test SMTP, Test IMAP and a send`, async () => {
      const client = make();
      secrets.push(client.clientSecret);
      await save(oauthSections(stack, client));
      for (const kind of ['smtp', 'imap'] as const) {
        const result = await probe(kind);
        expect(result.ok).toBe(false);
        expect(result.error?.code).toBe('EOAUTH2');
        expect(result.error?.response ?? '').toMatch(new RegExp(`AADSTS${aadsts}\\b`));
        expect(result.error?.fix).toBeTruthy(); // a fix is offered
      }
      {
        const err: any = await rejectionOf(
          send({ to: client.mailbox, subject: 'never', text: 'x' })
        );
        expect(err.code).toBe('EOAUTH2');
        expect(err.response).toMatch(new RegExp(`AADSTS${aadsts}\\b`));
      }
      const { smtp } = await status();
      expect(smtp.lastError?.response ?? '').toMatch(new RegExp(`AADSTS${aadsts}\\b`));
    });
  }

  test('a scope that is not <resource>/.default gives EOAUTH2 with AADSTS70011 (invalid_scope)', async () => {
    const client = newClient();
    await save(
      oauthSections(stack, client, { scopes: ['https://outlook.office365.com/SMTP.Send'] })
    );
    const result = await probe('smtp');
    expect(result.error?.code).toBe('EOAUTH2');
    expect(result.error?.response ?? '').toMatch(/invalid_scope: AADSTS70011\b/);
  });

  test('a valid token for another mailbox: 535 5.7.3 / AUTHENTICATE failed, with the Exchange fix', async () => {
    const client = newClient({ mailbox: 'reports@example.test' });
    const other = stack.users.find((u) => u.address.startsWith('editor@'))!;
    await save(oauthSections(stack, client, { mailbox: other.address }));
    const smtp = await probe('smtp');
    expect(smtp.error?.code).toBe('EAUTH');
    expect(smtp.error?.responseCode).toBe(535);
    expect(smtp.error?.response ?? '').toMatch(/\b5\.7\.3\b/);
    expect(smtp.error?.reason).toBe('service-principal');
    for (const step of ['New-ServicePrincipal', '-ObjectId', 'Add-MailboxPermission']) {
      expect(smtp.error?.fix?.includes(step)).toBeTruthy();
    }
    // The Test sends nothing as another address: no SendAs step (Microsoft's page asks for it
    // only when sending as another sender); -ServiceId is being deprecated.
    expect(smtp.error?.fix).not.toContain('Add-RecipientPermission');
    expect(smtp.error?.fix).not.toContain('-ServiceId');
    // Dovecot answers a refused token with a SASL 401 challenge (Exchange: "AUTHENTICATE
    // failed" alone): EOAUTH2 there, EAUTH here; the fix names the Exchange steps either way.
    const imap = await probe('imap');
    expect(imap.error?.code).toBe('EOAUTH2');
    expect(imap.steps.find((s) => s.name === 'authenticate')?.status).toBe('failed');
    expect(imap.error?.fix?.includes('Add-MailboxPermission')).toBeTruthy();
    await expect(send({ to: other.address, subject: 'x', text: 'x' })).rejects.toMatchObject({
      code: 'EAUTH',
    });
  });

  test('certificate credentials: saved encrypted, only the thumbprint shown; Test and send use a client assertion', async () => {
    const pair = await createClientCertificate(`${stack.dir}/app-certs`, 'api');
    secrets.push(pair.key, pair.bundle);
    const client = newClient({ clientSecret: clientSecret(), certificates: [pair.certificate] });
    const view = await save(oauthSections(stack, client, { certificate: pair.bundle }));
    const expected = new crypto.X509Certificate(pair.certificate).fingerprint256.replace(/:/g, '');
    for (const kind of ['smtp', 'imap'] as const) {
      expect(view[kind].oauth2).toMatchObject({
        credential: 'certificate',
        clientCertificateSet: true,
        certificateThumbprint: expected,
        clientSecretSet: false,
      });
    }
    // At rest: ciphertext only.
    const row = JSON.stringify(
      await app.strapi.db.query('plugin::mail-server.settings').findOne({ where: {} })
    );
    expect(row).not.toContain('PRIVATE KEY');
    expect(row).toContain(expected);

    const assertions = stack.idp.tokenRequests('client_credentials');
    const smtp = await probe('smtp', { to: client.mailbox });
    expect([smtp.ok, smtp.error?.code]).toStrictEqual([true, undefined]);
    expect((await probe('imap')).ok).toBe(true);
    const subject = `cert ${crypto.randomBytes(6).toString('hex')}`;
    await send({ to: client.mailbox, subject, text: 'signed with a certificate' });
    const [mail] = await readWithToken(stack, client.mailbox, await pluginToken(), subject);
    expect(mail?.subject).toBe(subject);
    expect(stack.idp.tokenRequests('client_credentials')).toBeGreaterThan(assertions);
  });

  test('a certificate bundle whose key is not its certificate is refused with a field error; nothing saved', async () => {
    const [a, b] = await Promise.all([
      createClientCertificate(`${stack.dir}/app-certs`, 'a'),
      createClientCertificate(`${stack.dir}/app-certs`, 'b'),
    ]);
    secrets.push(a.key, b.key);
    const before = (await auth(http().get('/mail-server/settings')).expect(200)).body.data;
    const client = newClient({ certificates: [a.certificate] });
    const res = await auth(http().put('/mail-server/settings'))
      .send(oauthSections(stack, client, { certificate: `${a.key}${b.certificate}` }))
      .expect(400);
    responses.push(res.text);
    expect(res.body.error.details.code).toBe('ECONFIG');
    expect(res.body.error.details.errors[0].path).toStrictEqual([
      'smtp',
      'oauth2',
      'clientCertificate',
    ]);
    const after = (await auth(http().get('/mail-server/settings')).expect(200)).body.data;
    expect(after).toStrictEqual(before);
  });

  test('Microsoft Graph for sending: Test (token, mailbox, message), then Strapi’s email service with a 5 MB attachment', async () => {
    const client = newClient();
    // The app's own mailbox receives, read back over XOAUTH2 (this Dovecot takes nothing else).
    const recipient = client.mailbox;
    const [host, port] = stack.graph.host.split(':');
    const { smtp } = oauthSections(stack, client);
    await save({ smtp: { ...smtp, transport: 'graph', host, port: Number(port) } });

    // Mail.Send alone: the lookup (User.Read.All) is skipped, the test message proves the mailbox.
    const test = await probe('smtp', { to: recipient });
    expect([test.ok, test.error?.code]).toStrictEqual([true, undefined]);
    expect(test.steps.map((s) => [s.name, s.status])).toStrictEqual([
      ['authenticate', 'ok'],
      ['mailbox', 'skipped'],
      ['send', 'ok'],
    ]);
    // With User.Read.All the mailbox is looked up first.
    const directory = newClient({ graphRoles: ['Mail.Send', 'User.Read.All'] });
    const withLookup = oauthSections(stack, directory).smtp;
    await save({ smtp: { ...withLookup, transport: 'graph', host, port: Number(port) } });
    const looked = await probe('smtp');
    expect(looked.steps.map((s) => [s.name, s.status])).toStrictEqual([
      ['authenticate', 'ok'],
      ['mailbox', 'ok'],
      ['send', 'skipped'],
    ]);
    await save({ smtp: { ...smtp, transport: 'graph', host, port: Number(port) } });

    const subject = `via graph ${crypto.randomBytes(6).toString('hex')}`;
    const report = crypto.randomBytes(5 * 1024 * 1024);
    const before = stack.graph.stats().sent;
    await send({
      to: recipient,
      subject,
      text: 'the monthly report',
      attachments: [{ filename: 'report.bin', content: report }],
    });
    expect(stack.graph.stats().sent - before).toBe(1);
    const reader = createTokenSource(
      {
        grant: 'client_credentials',
        tenantId: client.tenantId,
        clientId: client.clientId,
        clientSecret: client.clientSecret,
        authorityHost: stack.idp.authorityHost,
        scopes: [],
      },
      { ca: [stack.caPem] }
    );
    const [mail] = await readWithToken(stack, recipient, await reader.getAccessToken(), subject);
    reader.close();
    expect(Buffer.compare(mail!.attachments[0]!.content, report)).toBe(0);

    // An application access policy without this mailbox: the Test names Graph's refusal and
    // the permission the app needs.
    stack.graph.denyMailbox(client.mailbox);
    const denied = await probe('smtp', { to: recipient });
    expect([denied.error?.code, denied.error?.reason]).toStrictEqual([
      'EAUTH',
      'ErrorAccessDenied',
    ]);
    expect(denied.error?.fix).toContain('Mail.Send');
    expect(denied.steps.find((s) => s.name === 'send')?.status).toBe('failed');
    await save(oauthSections(stack, stack.idp.client)); // back to SMTP for the next tests
  });

  test('Microsoft Graph with a certificate credential: Test and send sign in with a client assertion', async () => {
    const pair = await createClientCertificate(`${stack.dir}/app-certs`, 'graph-send');
    secrets.push(pair.key, pair.bundle);
    // The secret registered is one the plugin never saw: only the certificate can sign in.
    // A mailbox of its own: the test before left an access policy on the shared one.
    const client = newClient({
      clientSecret: clientSecret(),
      certificates: [pair.certificate],
      mailbox: 'graph-certificate@example.test',
    });
    // Its mailbox was just added to Dovecot's passwd-file, which Dovecot looks at again only
    // when a second has passed (measured: a delivery within the same second was refused with
    // 550 5.1.1 once the save got faster).
    await new Promise((r) => setTimeout(r, 1100));
    const [host, port] = stack.graph.host.split(':');
    const { smtp } = oauthSections(stack, client, { certificate: pair.bundle });
    await save({ smtp: { ...smtp, transport: 'graph', host, port: Number(port) } });
    const sent = stack.graph.stats().sent;
    const test = await probe('smtp', { to: client.mailbox });
    expect([test.ok, test.error?.code]).toStrictEqual([true, undefined]);
    await send({ to: client.mailbox, subject: 'graph, certificate', text: 'signed' });
    expect(stack.graph.stats().sent - sent).toBe(2);
    await save(oauthSections(stack, stack.idp.client)); // back to SMTP for the next tests
  });

  test('no secret or token in API responses or logs; nothing left loopback', async () => {
    responses.push((await auth(http().get('/mail-server/settings')).expect(200)).text);
    await status();
    for (const text of responses) assertNoSecrets('an API response', text, secrets);
    expect(app.logs()).toContain('[mail-server] settings saved'); // the capture did see the logs
    assertNoSecrets('the logs', app.logs(), secrets);
    expect(blockedConnections()).toStrictEqual([]);
  });
});

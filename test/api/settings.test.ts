/**
 * The settings store and its admin API, on a real Strapi app (SQLite, or PostgreSQL when
 * DATABASE_CLIENT=postgres): round trips, secrets, validation, RBAC.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { createAdmin, EDITOR, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { settingsViewSchema } from '../../shared/contracts/settings';

const UID = 'plugin::mail-server.settings';
const SMTP_PASSWORD = 'smtp-Secret-' + Math.random().toString(36).slice(2);
const IMAP_PASSWORD = 'imap-Secret-' + Math.random().toString(36).slice(2);
const CLIENT_SECRET = 'client-Secret-' + Math.random().toString(36).slice(2);

const ROUTES = [
  { method: 'get', path: '/mail-server/settings', body: undefined },
  { method: 'put', path: '/mail-server/settings', body: { smtp: { host: 'mail.example.test' } } },
  { method: 'post', path: '/mail-server/connection-test/smtp', body: {} },
  { method: 'post', path: '/mail-server/connection-test/imap', body: {} },
] as const;

const smtpSection = {
  host: 'smtp.example.test',
  port: 587,
  security: 'starttls',
  username: 'sender@example.test',
  password: SMTP_PASSWORD,
  fromName: 'Strapi',
  fromAddress: 'noreply@example.test',
  replyTo: 'help@example.test',
  oauth2: { enabled: false },
};

describe('settings API', () => {
  let app: TestStrapi;
  let admin: AdminSession;
  const http = () => request(app.strapi.server.httpServer);
  const as = (session: AdminSession, method: 'get' | 'put' | 'post', path: string) =>
    http()[method](path).set('Authorization', `Bearer ${session.token}`);

  before(async () => {
    app = await bootStrapi();
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  after(async () => {
    await app?.stop();
  });

  test('the plugin is loaded with a hidden settings single type', async () => {
    const contentType = app.strapi.contentType(UID);
    assert.equal(contentType.kind, 'singleType');
    assert.equal(contentType.options?.draftAndPublish, false);
    const res = await as(admin, 'get', '/content-manager/content-types').expect(200);
    const uids = (res.body.data as Array<{ uid: string; isDisplayed: boolean }>)
      .filter((ct) => ct.isDisplayed)
      .map((ct) => ct.uid);
    assert.ok(uids.includes('api::article.article'), 'the app content type is listed');
    assert.ok(!uids.includes(UID), 'the settings type is hidden from the Content Manager');
  });

  test('before any save, both sections are empty and unconfigured', async () => {
    const res = await as(admin, 'get', '/mail-server/settings').expect(200);
    const view = settingsViewSchema.parse(res.body.data);
    assert.deepEqual(view.configured, { smtp: false, imap: false });
    assert.equal(view.smtp.passwordSet, false);
    assert.equal(view.imap.mailbox, 'INBOX');
    assert.equal(view.encryptionAvailable, true);
  });

  test('save then read returns the values, with secrets only as "set"', async () => {
    const saved = await as(admin, 'put', '/mail-server/settings')
      .send({
        smtp: smtpSection,
        imap: {
          host: 'imap.example.test',
          security: 'tls',
          username: 'approvals@example.test',
          password: IMAP_PASSWORD,
          mailbox: 'INBOX',
          processedFolder: 'Done',
          pollInterval: 30,
          oauth2: {
            enabled: true,
            tenantId: 'contoso.onmicrosoft.com',
            clientId: '00000000-0000-0000-0000-000000000001',
            clientSecret: CLIENT_SECRET,
          },
        },
      })
      .expect(200);
    const read = await as(admin, 'get', '/mail-server/settings').expect(200);
    for (const body of [saved.body, read.body]) {
      const view = settingsViewSchema.parse(body.data);
      assert.equal(view.smtp.host, 'smtp.example.test');
      assert.equal(view.smtp.fromAddress, 'noreply@example.test');
      assert.equal(view.smtp.passwordSet, true);
      assert.equal(view.imap.processedFolder, 'Done');
      assert.equal(view.imap.pollInterval, 30);
      assert.equal(view.imap.port, null, 'an empty port stays empty (the default applies)');
      assert.equal(view.imap.oauth2.clientSecretSet, true);
      assert.deepEqual(view.configured, { smtp: true, imap: true });
      const text = JSON.stringify(body);
      for (const secret of [SMTP_PASSWORD, IMAP_PASSWORD, CLIENT_SECRET]) {
        assert.ok(!text.includes(secret), 'no secret in the response');
      }
      assert.ok(!('password' in view.smtp), 'no password field at all');
    }
  });

  test('the database holds ciphertext, never the plaintext', async () => {
    const row = await app.strapi.db.connection('mail_server_settings').first();
    assert.ok(row, 'one settings row');
    const raw = JSON.stringify(row);
    for (const secret of [SMTP_PASSWORD, IMAP_PASSWORD, CLIENT_SECRET]) {
      assert.ok(!raw.includes(secret), 'no plaintext secret in the row');
    }
    const smtp = typeof row.smtp === 'string' ? JSON.parse(row.smtp) : row.smtp;
    assert.match(smtp.password, /^mse1:/);
    // The ciphertext really decrypts to the secret (it is not a hash or a placeholder).
    const effective = await app.strapi
      .plugin('mail-server')
      .service('settings')
      .getEffective('smtp');
    assert.equal(effective.password, SMTP_PASSWORD);
    assert.equal(effective.port, 587);
  });

  test('a save that omits a secret keeps it; null clears it', async () => {
    const { password: _omitted, ...withoutPassword } = smtpSection;
    await as(admin, 'put', '/mail-server/settings')
      .send({ smtp: { ...withoutPassword, fromName: 'Renamed' } })
      .expect(200);
    const settings = app.strapi.plugin('mail-server').service('settings');
    let effective = await settings.getEffective('smtp');
    assert.equal(effective.fromName, 'Renamed');
    assert.equal(effective.password, SMTP_PASSWORD);
    const imap = await settings.getEffective('imap');
    assert.equal(imap.password, IMAP_PASSWORD, 'an omitted section is untouched');

    const cleared = await as(admin, 'put', '/mail-server/settings')
      .send({ smtp: { ...withoutPassword, password: null } })
      .expect(200);
    assert.equal(cleared.body.data.smtp.passwordSet, false);
    effective = await settings.getEffective('smtp');
    assert.equal(effective.password, undefined);
  });

  test('invalid input is refused with the field path, and nothing is saved', async () => {
    const before = await as(admin, 'get', '/mail-server/settings').expect(200);
    const cases: Array<[unknown, string[]]> = [
      [{ smtp: { ...smtpSection, port: 70000 } }, ['smtp', 'port']],
      [{ smtp: { ...smtpSection, fromAddress: 'not-an-address' } }, ['smtp', 'fromAddress']],
      [{ smtp: { ...smtpSection, host: 'bad host!' } }, ['smtp', 'host']],
      [{ smtp: { ...smtpSection, fromName: 'Evil\r\nBcc: x@example.test' } }, ['smtp', 'fromName']],
      [{ smtp: { ...smtpSection, security: 'ssl3' } }, ['smtp', 'security']],
      [{ imap: { host: 'imap.example.test', pollInterval: 1 } }, ['imap', 'pollInterval']],
      [
        { smtp: { ...smtpSection, oauth2: { enabled: true, clientId: 'x', clientSecret: 'y' } } },
        ['smtp', 'oauth2', 'tenantId'],
      ],
      [
        {
          smtp: {
            ...smtpSection,
            password: undefined,
            oauth2: { enabled: true, tenantId: 't', clientId: 'c' },
          },
        },
        ['smtp', 'oauth2', 'clientSecret'],
      ],
      [{ smtp: { ...smtpSection, password: '' } }, ['smtp', 'password']],
      [{ pop3: {} }, []],
    ];
    for (const [body, path] of cases) {
      const res = await as(admin, 'put', '/mail-server/settings')
        .send(body as object)
        .expect(400);
      assert.equal(res.body.error.name, 'ValidationError', JSON.stringify(body));
      const paths = (res.body.error.details.errors as Array<{ path: string[] }>).map((e) => e.path);
      assert.ok(
        paths.some((p) => JSON.stringify(p) === JSON.stringify(path)),
        `expected an error at ${path.join('.')}, got ${JSON.stringify(paths)}`
      );
    }
    const afterwards = await as(admin, 'get', '/mail-server/settings').expect(200);
    assert.deepEqual(afterwards.body.data, before.body.data);
  });

  test('every route refuses unauthenticated requests with 401', async () => {
    for (const route of ROUTES) {
      const res = await http()
        [route.method](route.path)
        .send(route.body as object);
      assert.equal(res.status, 401, `${route.method} ${route.path}`);
    }
  });

  test('every route refuses an admin without the action (Editor) with 403', async () => {
    const editor = await createAdmin(app.strapi, EDITOR);
    for (const route of ROUTES) {
      const res = await as(editor, route.method, route.path).send(route.body as object);
      assert.equal(res.status, 403, `${route.method} ${route.path}`);
    }
  });

  test('a read-only role can read but not save or test', async () => {
    const reader = await createAdmin(app.strapi, {
      name: 'Mail reader',
      actions: ['plugin::mail-server.settings.read'],
    });
    const expected = [200, 403, 403, 403];
    for (const [i, route] of ROUTES.entries()) {
      const res = await as(reader, route.method, route.path).send(route.body as object);
      assert.equal(res.status, expected[i], `${route.method} ${route.path}`);
    }
  });

  test('no secret ever reached the logs', () => {
    const logs = app.logs();
    assert.ok(logs.includes('[mail-server] settings saved'), 'the capture did see the logs');
    for (const secret of [SMTP_PASSWORD, IMAP_PASSWORD, CLIENT_SECRET]) {
      assert.ok(!logs.includes(secret), 'no secret in the logs');
    }
  });
});

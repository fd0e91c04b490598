/**
 * The settings store and its admin API, on a real Strapi app (SQLite; PostgreSQL or
 * MySQL/MariaDB when DATABASE_CLIENT=postgres or mysql): round trips, secrets, validation, RBAC.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
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

  beforeAll(async () => {
    app = await bootStrapi();
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  afterAll(async () => {
    await app?.stop();
  });

  test('the plugin is loaded with a hidden settings single type', async () => {
    const contentType = app.strapi.contentType(UID);
    expect(contentType.kind).toBe('singleType');
    expect(contentType.options?.draftAndPublish).toBe(false);
    const res = await as(admin, 'get', '/content-manager/content-types').expect(200);
    const uids = (res.body.data as Array<{ uid: string; isDisplayed: boolean }>)
      .filter((ct) => ct.isDisplayed)
      .map((ct) => ct.uid);
    expect(uids.includes('api::article.article')).toBeTruthy(); // the app content type is listed
    expect(!uids.includes(UID)).toBeTruthy(); // the settings type is hidden from the Content Manager
  });

  test('before any save, both sections are empty and unconfigured', async () => {
    const res = await as(admin, 'get', '/mail-server/settings').expect(200);
    const view = settingsViewSchema.parse(res.body.data);
    expect(view.configured).toStrictEqual({ smtp: false, imap: false });
    expect(view.smtp.passwordSet).toBe(false);
    expect(view.imap.mailbox).toBe('INBOX');
    expect(view.encryptionAvailable).toBe(true);
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
            // The inbox job's first tick reads this mailbox and signs in: on loopback, never
            // at Microsoft (this suite runs no identity platform; the sign-in simply fails).
            authorityHost: '127.0.0.1:9',
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
      expect(view.smtp.host).toBe('smtp.example.test');
      expect(view.smtp.fromAddress).toBe('noreply@example.test');
      expect(view.smtp.passwordSet).toBe(true);
      expect(view.imap.processedFolder).toBe('Done');
      expect(view.imap.pollInterval).toBe(30);
      expect(view.imap.port).toBe(null); // an empty port stays empty (the default applies)
      expect(view.imap.oauth2.clientSecretSet).toBe(true);
      expect(view.configured).toStrictEqual({ smtp: true, imap: true });
      const text = JSON.stringify(body);
      for (const secret of [SMTP_PASSWORD, IMAP_PASSWORD, CLIENT_SECRET]) {
        expect(!text.includes(secret)).toBeTruthy(); // no secret in the response
      }
      expect(!('password' in view.smtp)).toBeTruthy(); // no password field at all
    }
  });

  test('the database holds ciphertext, never the plaintext', async () => {
    const row = await app.strapi.db.connection('mail_server_settings').first();
    expect(row).toBeTruthy(); // one settings row
    const raw = JSON.stringify(row);
    for (const secret of [SMTP_PASSWORD, IMAP_PASSWORD, CLIENT_SECRET]) {
      expect(!raw.includes(secret)).toBeTruthy(); // no plaintext secret in the row
    }
    const smtp = typeof row.smtp === 'string' ? JSON.parse(row.smtp) : row.smtp;
    expect(smtp.password).toMatch(/^mse1:/);
    // The ciphertext really decrypts to the secret (it is not a hash or a placeholder).
    const effective = await app.strapi
      .plugin('mail-server')
      .service('settings')
      .getEffective('smtp');
    expect(effective.password).toBe(SMTP_PASSWORD);
    expect(effective.port).toBe(587);
  });

  test('a save that omits a secret keeps it; null clears it', async () => {
    const { password: _omitted, ...withoutPassword } = smtpSection;
    await as(admin, 'put', '/mail-server/settings')
      .send({ smtp: { ...withoutPassword, fromName: 'Renamed' } })
      .expect(200);
    const settings = app.strapi.plugin('mail-server').service('settings');
    let effective = await settings.getEffective('smtp');
    expect(effective.fromName).toBe('Renamed');
    expect(effective.password).toBe(SMTP_PASSWORD);
    const imap = await settings.getEffective('imap');
    expect(imap.password).toBe(IMAP_PASSWORD); // an omitted section is untouched

    const cleared = await as(admin, 'put', '/mail-server/settings')
      .send({ smtp: { ...withoutPassword, password: null } })
      .expect(200);
    expect(cleared.body.data.smtp.passwordSet).toBe(false);
    effective = await settings.getEffective('smtp');
    expect(effective.password).toBe(undefined);
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
      [
        {
          smtp: {
            ...smtpSection,
            oauth2: { enabled: true, tenantId: 'common', clientId: 'c', clientSecret: 's' },
          },
        },
        ['smtp', 'oauth2', 'tenantId'],
      ],
      [
        { smtp: { ...smtpSection, oauth2: { enabled: false, cloud: 'moon' } } },
        ['smtp', 'oauth2', 'cloud'],
      ],
      [{ pop3: {} }, []],
    ];
    for (const [body, path] of cases) {
      const res = await as(admin, 'put', '/mail-server/settings')
        .send(body as object)
        .expect(400);
      expect(res.body.error.name).toBe('ValidationError');
      const paths = (res.body.error.details.errors as Array<{ path: string[] }>).map((e) => e.path);
      expect(paths.some((p) => JSON.stringify(p) === JSON.stringify(path))).toBeTruthy();
    }
    const afterwards = await as(admin, 'get', '/mail-server/settings').expect(200);
    expect(afterwards.body.data).toStrictEqual(before.body.data);
  });

  test('app code calling the service gets the same validation and defaults', async () => {
    const settings = app.strapi.plugin('mail-server').service('settings');
    const err = await settings
      .save({ smtp: { ...smtpSection, port: 70000 } })
      .catch((e: Error) => e);
    expect((err as Error).name).toBe('ValidationError');
    // A section written before the cloud existed (no `cloud` key) gets the global cloud.
    const view = await settings.save({
      smtp: { ...smtpSection, oauth2: { enabled: false, grant: 'client_credentials' } },
    });
    expect(view.smtp.oauth2.cloud).toBe('global');
  });

  test('every route refuses unauthenticated requests with 401', async () => {
    for (const route of ROUTES) {
      const res = await http()
        [route.method](route.path)
        .send(route.body as object);
      expect(res.status).toBe(401);
    }
  });

  test('every route refuses an admin without the action (Editor) with 403', async () => {
    const editor = await createAdmin(app.strapi, EDITOR);
    for (const route of ROUTES) {
      const res = await as(editor, route.method, route.path).send(route.body as object);
      expect(res.status).toBe(403);
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
      expect(res.status).toBe(expected[i]);
    }
  });

  test('no secret ever reached the logs', () => {
    const logs = app.logs();
    expect(logs.includes('[mail-server] settings saved')).toBeTruthy(); // the capture did see the logs
    for (const secret of [SMTP_PASSWORD, IMAP_PASSWORD, CLIENT_SECRET]) {
      expect(!logs.includes(secret)).toBeTruthy(); // no secret in the logs
    }
  });
});

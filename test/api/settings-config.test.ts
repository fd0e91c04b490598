/**
 * Settings that the app's config provides (usually from environment variables) and an app
 * without an encryption key: locked fields, and no secret ever stored in plaintext.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { settingsViewSchema } from '../../shared/contracts/settings';

const ENV_PASSWORD = 'env-Secret-' + Math.random().toString(36).slice(2);

describe('settings from the app config, without an encryption key', () => {
  let app: TestStrapi;
  let admin: AdminSession;
  const put = (body: object) =>
    request(app.strapi.server.httpServer)
      .put('/mail-server/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .send(body);
  const get = () =>
    request(app.strapi.server.httpServer)
      .get('/mail-server/settings')
      .set('Authorization', `Bearer ${admin.token}`);

  beforeAll(async () => {
    app = await bootStrapi({
      MAIL_SERVER_SMTP_FROM_NAME: 'Configured Sender',
      MAIL_SERVER_SMTP_PASSWORD: ENV_PASSWORD,
      // An empty variable is "no key": the app's fallback does not apply.
      ENCRYPTION_KEY: '',
    });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  afterAll(async () => {
    await app?.stop();
  });

  test('config values are effective and reported as locked', async () => {
    const res = await get().expect(200);
    const view = settingsViewSchema.parse(res.body.data);
    expect(view.locked.sort()).toStrictEqual(['smtp.fromName', 'smtp.password']);
    expect(view.smtp.fromName).toBe('Configured Sender');
    expect(view.smtp.passwordSet).toBe(true); // a password from config counts as set
    expect(!JSON.stringify(res.body).includes(ENV_PASSWORD)).toBeTruthy(); // never returned
    expect(view.encryptionAvailable).toBe(false);
  });

  test('a save cannot override a locked field', async () => {
    await put({
      smtp: { host: 'smtp.example.test', username: 'u@example.test', fromName: 'Other' },
    }).expect(200);
    const effective = await app.strapi
      .plugin('mail-server')
      .service('settings')
      .getEffective('smtp');
    expect(effective.fromName).toBe('Configured Sender');
    expect(effective.password).toBe(ENV_PASSWORD);
    expect(effective.host).toBe('smtp.example.test');
  });

  test('without a key, saving a secret fails with ESECRETKEY and nothing is half-applied', async () => {
    const before = await get().expect(200);
    const res = await put({
      smtp: { host: 'other.example.test' },
      imap: {
        host: 'imap.example.test',
        username: 'a@example.test',
        password: 'would-be-plaintext',
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.code).toBe('ESECRETKEY');
    const afterwards = await get().expect(200);
    expect(afterwards.body.data).toStrictEqual(before.body.data); // the SMTP change was not saved either
    const raw = JSON.stringify(await app.strapi.db.connection('mail_server_settings').select());
    expect(!raw.includes('would-be-plaintext')).toBeTruthy();
  });
});

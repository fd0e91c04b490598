/**
 * Settings that the app's config provides (usually from environment variables) and an app
 * without an encryption key: locked fields, and no secret ever stored in plaintext.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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

  before(async () => {
    app = await bootStrapi({
      MAIL_SERVER_SMTP_FROM_NAME: 'Configured Sender',
      MAIL_SERVER_SMTP_PASSWORD: ENV_PASSWORD,
      // An empty variable is "no key": the app's fallback does not apply.
      ENCRYPTION_KEY: '',
    });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  after(async () => {
    await app?.stop();
  });

  test('config values are effective and reported as locked', async () => {
    const res = await get().expect(200);
    const view = settingsViewSchema.parse(res.body.data);
    assert.deepEqual(view.locked.sort(), ['smtp.fromName', 'smtp.password']);
    assert.equal(view.smtp.fromName, 'Configured Sender');
    assert.equal(view.smtp.passwordSet, true, 'a password from config counts as set');
    assert.ok(!JSON.stringify(res.body).includes(ENV_PASSWORD), 'never returned');
    assert.equal(view.encryptionAvailable, false);
  });

  test('a save cannot override a locked field', async () => {
    await put({
      smtp: { host: 'smtp.example.test', username: 'u@example.test', fromName: 'Other' },
    }).expect(200);
    const effective = await app.strapi
      .plugin('mail-server')
      .service('settings')
      .getEffective('smtp');
    assert.equal(effective.fromName, 'Configured Sender');
    assert.equal(effective.password, ENV_PASSWORD);
    assert.equal(effective.host, 'smtp.example.test');
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
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details.code, 'ESECRETKEY');
    const afterwards = await get().expect(200);
    assert.deepEqual(
      afterwards.body.data,
      before.body.data,
      'the SMTP change was not saved either'
    );
    const raw = JSON.stringify(await app.strapi.db.connection('mail_server_settings').select());
    assert.ok(!raw.includes('would-be-plaintext'));
  });
});

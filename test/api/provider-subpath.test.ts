/**
 * The provider named in the email plugin's own config (`strapi-plugin-mail-server/provider`)
 * instead of installed by the plugin, resolved the way Strapi resolves any provider package;
 * and the pool lifecycle: a settings change never cuts a send in flight, destroy closes all.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { startScriptedSmtp, type ScriptedSmtp } from '../helpers/scripted-smtp';
import { simpleParser } from 'mailparser';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
// An app installs the plugin into node_modules; the repo links itself there for this suite.
const LINK = path.join(ROOT, 'node_modules', 'strapi-plugin-mail-server');

describe('provider named in the email plugin config', () => {
  let app: TestStrapi;
  let admin: AdminSession;
  let slow: ScriptedSmtp;
  let fast: ScriptedSmtp;
  let linked = false;

  const save = (port: number) =>
    request(app.strapi.server.httpServer)
      .put('/mail-server/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ smtp: { host: '127.0.0.1', port, security: 'none', username: '', password: null } })
      .expect(200);
  const send = (subject: string) =>
    app.strapi
      .plugin('email')
      .service('email')
      .send({ to: 'a@example.test', subject, text: subject });

  before(async () => {
    if (!fs.existsSync(LINK)) {
      fs.symlinkSync('..', LINK, 'dir');
      linked = true;
    }
    slow = await startScriptedSmtp(() => ({ delayMs: 600 }));
    fast = await startScriptedSmtp(() => null);
    app = await bootStrapi({
      MAIL_SERVER_TEST_EMAIL_PROVIDER: 'strapi-plugin-mail-server/provider',
      MAIL_SERVER_REPLACE_PROVIDER: 'false',
    });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  after(async () => {
    if (linked) fs.unlinkSync(LINK);
    await slow?.close();
    await fast?.close();
  });

  test('the email plugin loads our provider by its package subpath', async () => {
    const res = await request(app.strapi.server.httpServer)
      .get('/email/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(200);
    assert.equal(res.body.config.provider, 'strapi-plugin-mail-server/provider');
    assert.equal(res.body.supportsVerify, true);
  });

  test("the email plugin's defaultFrom applies when the settings have no from address", async () => {
    await save(fast.port);
    await send('subpath hello');
    const mail = await simpleParser(fast.accepted.at(-1)!);
    assert.equal(mail.subject, 'subpath hello');
    assert.equal(mail.from?.value[0]?.address, 'subpath@example.test');
  });

  test('a send in flight finishes on the old server while the next uses the new one', async () => {
    await save(slow.port);
    const inFlight = send('in flight');
    // Wait until the slow server holds the message, then switch servers.
    for (let i = 0; i < 100 && slow.attempts() === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(slow.attempts(), 1, 'the message reached the old server');
    await save(fast.port);
    const before = fast.accepted.length;
    await send('after switch');
    assert.equal(fast.accepted.length, before + 1, 'the next send went to the new server');
    await inFlight;
    assert.equal(slow.accepted.length, 1, 'the send in flight completed on the old server');
    for (let i = 0; i < 100 && slow.openConnections() > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(slow.openConnections(), 0, 'the old pool closed once drained');
  });

  test('saving new settings closes the idle pool of the old ones at once', async () => {
    assert.ok(fast.openConnections() > 0, 'an idle pooled connection to the current server');
    await save(slow.port);
    for (let i = 0; i < 100 && fast.openConnections() > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(fast.openConnections(), 0, 'closed without waiting for the next send');
    await save(fast.port);
    await send('back to the fast server');
  });

  test('destroy closes every pooled connection', async () => {
    assert.ok(fast.openConnections() > 0, 'the pool keeps a connection open between sends');
    await app.stop();
    for (let i = 0; i < 100 && fast.openConnections() > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(fast.openConnections(), 0);
  });
});

/**
 * The provider named in the email plugin's own config (`strapi-plugin-mail-server/provider`)
 * instead of installed by the plugin, resolved the way Strapi resolves any provider package;
 * and the pool lifecycle: a settings change never cuts a send in flight, destroy closes all.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { startScriptedSmtp, type ScriptedSmtp } from '../helpers/scripted-smtp';
import { simpleParser } from 'mailparser';

const ROOT = path.resolve(__dirname, '..', '..');
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

  beforeAll(async () => {
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
  afterAll(async () => {
    if (linked) fs.unlinkSync(LINK);
    await slow?.close();
    await fast?.close();
  });

  test('the email plugin loads our provider by its package subpath', async () => {
    const res = await request(app.strapi.server.httpServer)
      .get('/email/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(200);
    expect(res.body.config.provider).toBe('strapi-plugin-mail-server/provider');
    expect(res.body.supportsVerify).toBe(true);
  });

  test("the email plugin's defaultFrom applies when the settings have no from address", async () => {
    await save(fast.port);
    await send('subpath hello');
    const mail = await simpleParser(fast.accepted.at(-1)!);
    expect(mail.subject).toBe('subpath hello');
    expect(mail.from?.value[0]?.address).toBe('subpath@example.test');
  });

  test('a send in flight finishes on the old server while the next uses the new one', async () => {
    await save(slow.port);
    const inFlight = send('in flight');
    // Wait until the slow server holds the message, then switch servers.
    for (let i = 0; i < 100 && slow.attempts() === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(slow.attempts()).toBe(1); // the message reached the old server
    await save(fast.port);
    const before = fast.accepted.length;
    await send('after switch');
    expect(fast.accepted.length).toBe(before + 1); // the next send went to the new server
    await inFlight;
    expect(slow.accepted.length).toBe(1); // the send in flight completed on the old server
    for (let i = 0; i < 100 && slow.openConnections() > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(slow.openConnections()).toBe(0); // the old pool closed once drained
  });

  test('saving new settings closes the idle pool of the old ones at once', async () => {
    expect(fast.openConnections() > 0).toBeTruthy(); // an idle pooled connection to the current server
    await save(slow.port);
    for (let i = 0; i < 100 && fast.openConnections() > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(fast.openConnections()).toBe(0); // closed without waiting for the next send
    await save(fast.port);
    await send('back to the fast server');
  });

  test('destroy closes every pooled connection', async () => {
    expect(fast.openConnections() > 0).toBeTruthy(); // the pool keeps a connection open between sends
    await app.stop();
    for (let i = 0; i < 100 && fast.openConnections() > 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(fast.openConnections()).toBe(0);
  });
});

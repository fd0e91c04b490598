/**
 * The Test buttons' API against the real mail stack (Dovecot + smtp-server on loopback),
 * through a real Strapi app: saved settings, unsaved form values, and each kind of failure.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import request from 'supertest';
import { ImapFlow } from 'imapflow';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { startMailStack } from '../mailstack';
import type { MailStack, MailUser } from '../mailstack/types';
import { connectionTestResultSchema } from '../../shared/contracts/connection-test';

async function closedPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe('connection tests', () => {
  let stack: MailStack;
  let app: TestStrapi;
  let admin: AdminSession;
  let sender: MailUser;
  let reader: MailUser;

  const call = async (kind: 'smtp' | 'imap', body: object) => {
    const res = await request(app.strapi.server.httpServer)
      .post(`/mail-server/connection-test/${kind}`)
      .set('Authorization', `Bearer ${admin.token}`)
      .send(body)
      .expect(200);
    return connectionTestResultSchema.parse(res.body.data);
  };
  const stepStatus = (result: { steps: Array<{ name: string; status: string }> }, name: string) =>
    result.steps.find((s) => s.name === name)?.status;

  const smtpForm = (over: object = {}) => ({
    host: '127.0.0.1',
    port: stack.smtp.port,
    security: 'starttls',
    username: sender.address,
    password: sender.password,
    fromAddress: sender.address,
    ...over,
  });
  const imapForm = (over: object = {}) => ({
    host: '127.0.0.1',
    port: stack.imap.tlsPort,
    security: 'tls',
    username: reader.address,
    password: reader.password,
    ...over,
  });

  before(async () => {
    stack = await startMailStack();
    sender = stack.users.find((u) => u.address.startsWith('editor@'))!;
    reader = stack.users.find((u) => u.address.startsWith('approver@'))!;
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
    await request(app.strapi.server.httpServer)
      .put('/mail-server/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ smtp: smtpForm(), imap: imapForm() })
      .expect(200);
  });
  after(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('SMTP with the saved settings (STARTTLS) passes every step', async () => {
    const result = await call('smtp', {});
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.source, 'saved');
    for (const step of ['resolve', 'connect', 'tls', 'greeting', 'authenticate']) {
      assert.equal(stepStatus(result, step), 'ok', step);
    }
  });

  test('SMTP with unsaved values over implicit TLS sends a real test message', async () => {
    const result = await call('smtp', {
      smtp: smtpForm({ port: stack.smtp.tlsPort, security: 'tls' }),
      to: reader.address,
    });
    assert.equal(result.ok, true, JSON.stringify(result.error));
    assert.equal(result.source, 'form');
    assert.equal(stepStatus(result, 'send'), 'ok');
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: stack.imap.tlsPort,
      secure: true,
      tls: { ca: [stack.caPem] },
      auth: { user: reader.address, pass: reader.password },
      logger: false,
    });
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const found = await client.search({ subject: 'Mail Server test message' });
        assert.ok(Array.isArray(found) && found.length >= 1, 'the test message is in the inbox');
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });

  test('a wrong password typed in the form fails with EAUTH at authenticate', async () => {
    const result = await call('smtp', { smtp: smtpForm({ password: 'wrong-password' }) });
    assert.equal(result.ok, false);
    assert.equal(result.error?.code, 'EAUTH');
    assert.equal(stepStatus(result, 'authenticate'), 'failed');
    assert.equal(stepStatus(result, 'connect'), 'ok');
  });

  test('a closed port fails with ECONNECTION', async () => {
    const result = await call('smtp', { smtp: smtpForm({ port: await closedPort() }) });
    assert.equal(result.error?.code, 'ECONNECTION');
    assert.equal(stepStatus(result, 'connect'), 'failed');
  });

  test('SSL/TLS against the plain-text (STARTTLS) port fails with ETLS and a diagnosis', async () => {
    const result = await call('smtp', { smtp: smtpForm({ security: 'tls' }) });
    assert.equal(result.error?.code, 'ETLS');
    assert.ok(result.error?.diagnosis && result.error.fix);
  });

  test('the saved password is not sent to another server', async () => {
    const { password: _typedNothing, ...form } = smtpForm({ host: 'localhost' });
    const result = await call('smtp', { smtp: form });
    assert.equal(result.error?.code, 'ECONFIG');
    assert.equal(result.steps.length, 0, 'no connection was attempted');
  });

  test('IMAP with the saved settings opens the mailbox', async () => {
    const result = await call('imap', {});
    assert.equal(result.ok, true, JSON.stringify(result.error));
    for (const step of ['connect', 'tls', 'authenticate', 'mailbox']) {
      assert.equal(stepStatus(result, step), 'ok', step);
    }
    assert.equal(stepStatus(result, 'folder'), 'warning', 'Processed does not exist yet');
  });

  test('IMAP over STARTTLS with a wrong password fails with EAUTH', async () => {
    const ok = await call('imap', {
      imap: imapForm({ port: stack.imap.port, security: 'starttls' }),
    });
    assert.equal(ok.ok, true, JSON.stringify(ok.error));
    const bad = await call('imap', {
      imap: imapForm({ port: stack.imap.port, security: 'starttls', password: 'nope' }),
    });
    assert.equal(bad.error?.code, 'EAUTH');
    assert.equal(stepStatus(bad, 'authenticate'), 'failed');
  });

  test('IMAP SSL/TLS against the STARTTLS port fails with ETLS', async () => {
    const result = await call('imap', { imap: imapForm({ port: stack.imap.port }) });
    assert.equal(result.error?.code, 'ETLS');
  });

  test('an unconfigured section answers ECONFIG without connecting', async () => {
    const result = await call('imap', { imap: { host: '' } });
    assert.equal(result.error?.code, 'ECONFIG');
    assert.equal(result.steps.length, 0);
  });
});

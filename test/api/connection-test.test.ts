/**
 * The Test buttons' API against the real mail stack (Dovecot + smtp-server on loopback),
 * through a real Strapi app: saved settings, unsaved form values, and each kind of failure.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
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

  beforeAll(async () => {
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
  afterAll(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('SMTP with the saved settings (STARTTLS) passes every step', async () => {
    const result = await call('smtp', {});
    expect(result.ok).toBe(true);
    expect(result.source).toBe('saved');
    for (const step of ['resolve', 'connect', 'tls', 'greeting', 'authenticate']) {
      expect(stepStatus(result, step)).toBe('ok');
    }
  });

  test('SMTP with unsaved values over implicit TLS sends a real test message', async () => {
    const result = await call('smtp', {
      smtp: smtpForm({ port: stack.smtp.tlsPort, security: 'tls' }),
      to: reader.address,
    });
    expect(result.ok).toBe(true);
    expect(result.source).toBe('form');
    expect(stepStatus(result, 'send')).toBe('ok');
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
        expect(Array.isArray(found) && found.length >= 1).toBeTruthy(); // the test message is in the inbox
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });

  test('a wrong password typed in the form fails with EAUTH at authenticate', async () => {
    const result = await call('smtp', { smtp: smtpForm({ password: 'wrong-password' }) });
    expect(result.ok).toBe(false);
    expect(result.error?.code).toBe('EAUTH');
    expect(stepStatus(result, 'authenticate')).toBe('failed');
    expect(stepStatus(result, 'connect')).toBe('ok');
  });

  test('a closed port fails with ECONNECTION', async () => {
    const result = await call('smtp', { smtp: smtpForm({ port: await closedPort() }) });
    expect(result.error?.code).toBe('ECONNECTION');
    expect(stepStatus(result, 'connect')).toBe('failed');
  });

  test('SSL/TLS against the plain-text (STARTTLS) port fails with ETLS and a diagnosis', async () => {
    const result = await call('smtp', { smtp: smtpForm({ security: 'tls' }) });
    expect(result.error?.code).toBe('ETLS');
    expect(result.error?.diagnosis && result.error.fix).toBeTruthy();
  });

  test('the saved password is not sent to another server', async () => {
    const { password: _typedNothing, ...form } = smtpForm({ host: 'localhost' });
    const result = await call('smtp', { smtp: form });
    expect(result.error?.code).toBe('ESECRETDEST');
    expect(result.steps.length).toBe(0); // no connection was attempted
  });

  test('a withheld secret names what changed with stable codes: the port, not the host', async () => {
    const { password: _typedNothing, ...form } = smtpForm({ port: stack.smtp.tlsPort });
    const result = await call('smtp', { smtp: form });
    expect(result.error).toMatchObject({
      code: 'ESECRETDEST',
      reason: 'destination-changed',
      changed: ['port'],
      secret: 'password',
    });
  });

  test('a URL pasted as the host gives host, port and security, as in the form', async () => {
    const { password: _typedNothing, host: _h, port: _p, ...form } = smtpForm();
    const result = await call('smtp', {
      smtp: { ...form, host: `smtp://127.0.0.1:${stack.smtp.port}` },
    });
    expect(result.ok).toBe(true); // the saved destination: the saved password follows
    const tls = await call('imap', {
      imap: {
        ...imapForm(),
        host: 'imaps://127.0.0.1',
        port: stack.imap.tlsPort,
        security: undefined,
      },
    });
    expect(tls.ok).toBe(true);
  });

  test('a test email is in the delivery log, sent or failed', async () => {
    const failedTo = `nobody-${Date.now().toString(36)}@example.test`;
    await call('smtp', { to: reader.address });
    await call('smtp', { to: failedTo });
    await app.strapi.plugin('mail-server').service('outbound-messages').flush();
    const log = async (recipient: string) => {
      const res = await request(app.strapi.server.httpServer)
        .get('/mail-server/outbound-messages')
        .query({ recipient })
        .set('Authorization', `Bearer ${admin.token}`)
        .expect(200);
      return (
        res.body.data as Array<{ subject: string; status: string; errorCode: string | null }>
      ).filter((m) => m.subject === 'Mail Server test message from Strapi');
    };
    expect((await log(reader.address)).map((m) => m.status)).toContain('sent');
    const [failed] = await log(failedTo);
    expect([failed?.status, typeof failed?.errorCode]).toEqual(['failed', 'string']);
  });

  test('IMAP with the saved settings opens the mailbox', async () => {
    const result = await call('imap', {});
    expect(result.ok).toBe(true);
    for (const step of ['connect', 'tls', 'authenticate', 'mailbox']) {
      expect(stepStatus(result, step)).toBe('ok');
    }
    // Processed does not exist yet: the normal state of a new mailbox, created when needed.
    const folder = result.steps.find((s) => s.name === 'folder');
    expect([folder?.status, folder?.detail]).toEqual([
      'ok',
      expect.stringMatching(/will be created/),
    ]);
  });

  test('IMAP over STARTTLS with a wrong password fails with EAUTH', async () => {
    const ok = await call('imap', {
      imap: imapForm({ port: stack.imap.port, security: 'starttls' }),
    });
    expect(ok.ok).toBe(true);
    const bad = await call('imap', {
      imap: imapForm({ port: stack.imap.port, security: 'starttls', password: 'nope' }),
    });
    expect(bad.error?.code).toBe('EAUTH');
    expect(stepStatus(bad, 'authenticate')).toBe('failed');
  });

  test('IMAP SSL/TLS against the STARTTLS port fails with ETLS', async () => {
    const result = await call('imap', { imap: imapForm({ port: stack.imap.port }) });
    expect(result.error?.code).toBe('ETLS');
  });

  test('an unconfigured section answers ECONFIG without connecting', async () => {
    const result = await call('imap', { imap: { host: '' } });
    expect(result.error?.code).toBe('ECONFIG');
    expect(result.steps.length).toBe(0);
  });
});

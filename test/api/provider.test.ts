/**
 * The plugin as Strapi's email provider: what Strapi and application code send goes through
 * the SMTP settings saved in the admin, arrives in the real Dovecot mailbox byte for byte,
 * follows settings changes without a restart, and every outcome is in the delivery log.
 */
import { until } from '../helpers/wait';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rejectionOf } from '../helpers/expect';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import request from 'supertest';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { readMailbox } from '../helpers/mailbox';
import { startScriptedSmtp, type ScriptedSmtp } from '../helpers/scripted-smtp';
import { startMailStack } from '../mailstack';
import type { MailStack, MailUser } from '../mailstack/types';

const OUTBOUND = 'plugin::mail-server.outbound-message';

describe('email provider', () => {
  let stack: MailStack;
  let app: TestStrapi;
  let admin: AdminSession;
  let editor: MailUser;
  let approver: MailUser;
  let mailbox: MailUser;

  const http = () => request(app.strapi.server.httpServer);
  const saveSmtp = (smtp: object) =>
    http()
      .put('/mail-server/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ smtp })
      .expect(200);
  const stackSmtp = (user: MailUser, over: object = {}) => ({
    host: '127.0.0.1',
    port: stack.smtp.port,
    security: 'starttls',
    username: user.address,
    password: user.password,
    fromName: 'Strapi Notifications',
    fromAddress: user.address,
    replyTo: 'help@example.test',
    ...over,
  });
  const send = (options: object) =>
    app.strapi.plugin('email').service('email').send(options) as Promise<{ messageId: string }>;
  const logRows = (where: object) =>
    app.strapi.db.query(OUTBOUND).findMany({ where, orderBy: { id: 'asc' } });
  const flushLog = () => app.strapi.plugin('mail-server').service('outbound-messages').flush();

  beforeAll(async () => {
    stack = await startMailStack();
    [editor, approver, mailbox] = ['editor@', 'approver@', 'mailbox@'].map((p) =>
      stack.users.find((u) => u.address.startsWith(p))!
    );
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_RETRY_DELAY_MS: '50' });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  afterAll(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('without SMTP settings, sending fails with ECONFIG and is logged', async () => {
    await expect(
      send({ to: approver.address, subject: 'nowhere', text: 'x' })
    ).rejects.toMatchObject({
      code: 'ECONFIG',
    });
    await flushLog();
    const [row] = await logRows({ subject: 'nowhere' });
    expect(row?.status).toBe('failed');
    expect(row?.errorCode).toBe('ECONFIG');
  });

  test("a message through Strapi's email service arrives intact, with the defaults applied", async () => {
    await saveSmtp(stackSmtp(editor));
    const token = crypto.randomBytes(8).toString('hex');
    const binary = crypto.randomBytes(200_000);
    const result = await send({
      to: approver.address,
      cc: mailbox.address,
      subject: `Report ${token}`,
      text: `Plain body ${token}`,
      html: `<p>HTML body <b>${token}</b></p>`,
      headers: { 'X-Report-Id': token },
      attachments: [
        { filename: 'report.bin', content: binary, contentType: 'application/octet-stream' },
        { filename: 'notes.txt', content: `notes ${token}` },
        { filename: 'stream.csv', content: Readable.from([`a,b\n1,${token}\n`]) },
      ],
    });
    expect(result.messageId).toMatch(/^<.+@.+>$/);
    const [mail] = await readMailbox(stack, approver, { subject: token });
    expect(mail).toBeTruthy(); // delivered to the approver
    expect(mail.messageId).toBe(result.messageId);
    expect(mail.from?.value[0]?.address).toBe(editor.address);
    expect(mail.from?.value[0]?.name).toBe('Strapi Notifications');
    expect(mail.replyTo?.value[0]?.address).toBe('help@example.test');
    expect(mail.headers.get('x-report-id')).toBe(token);
    expect(mail.text?.trim()).toBe(`Plain body ${token}`);
    expect(mail.html && mail.html.includes(`<b>${token}</b>`)).toBe(true);
    const byName = new Map(mail.attachments.map((a) => [a.filename, a.content]));
    expect(byName.get('report.bin')?.equals(binary)).toBeTruthy(); // binary attachment byte for byte
    expect(byName.get('notes.txt')?.toString()).toBe(`notes ${token}`);
    expect(byName.get('stream.csv')?.toString()).toBe(`a,b\n1,${token}\n`);
    const [cc] = await readMailbox(stack, mailbox, { subject: token });
    expect(cc).toBeTruthy(); // the cc recipient got it too
  });

  test('attachments that would read local files or URLs are refused', async () => {
    await expect(
      send({
        to: approver.address,
        subject: 'lfi',
        text: 'x',
        attachments: [{ path: '/etc/passwd' }],
      })
    ).rejects.toMatchObject({ code: 'EMESSAGE' });
  });

  test("Strapi's own flows use it: POST /email/test and the forgot-password email", async () => {
    await http()
      .post('/email/test')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ to: approver.address })
      .expect(200);
    const tests = await readMailbox(stack, approver, {
      subject: `Strapi test mail to: ${approver.address}`,
    });
    expect(tests.length).toBe(1);
    expect(tests[0]!.text).toContain('with the strapi-plugin-mail-server provider');

    const role = await app.strapi.db
      .query('plugin::users-permissions.role')
      .findOne({ where: { type: 'authenticated' } });
    await app.strapi.plugin('users-permissions').service('user').add({
      username: 'reader',
      email: mailbox.address,
      password: 'Reader-Passw0rd',
      provider: 'local',
      confirmed: true,
      role: role.id,
    });
    await http().post('/api/auth/forgot-password').send({ email: mailbox.address }).expect(200);
    const resets = await readMailbox(stack, mailbox, { subject: 'Reset password' });
    expect(resets.length).toBe(1);
    expect(resets[0]!.html || resets[0]!.text || '').toMatch(/code=/);
  });

  test("Strapi's Settings → Email page sees our transport and can verify it", async () => {
    const res = await http()
      .get('/email/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(200);
    expect(res.body.supportsVerify).toBe(true);
    expect(res.body.config.provider).toBe('strapi-plugin-mail-server');
    // the sender emails really get: Settings → Mail Server's, not the app's default
    expect(res.body.config.settings.defaultFrom).toBe(`"Strapi Notifications" <${editor.address}>`);
    expect(res.body.config.settings.defaultReplyTo).toBe('help@example.test');
    expect(res.body.capabilities.transport.host).toBe('127.0.0.1');
    expect(res.body.capabilities.transport.port).toBe(stack.smtp.port);
    // STARTTLS is required: the session is encrypted (Strapi's page says STARTTLS only for 587)
    expect(res.body.capabilities.transport.secure).toBe(true);
    expect(res.body.capabilities.features).toContain('requireTLS');
    expect(res.body.capabilities.auth.user).toBe(editor.address);
    await http().post('/email/verify').set('Authorization', `Bearer ${admin.token}`).expect(200);
  });

  test('a settings change applies to the next send without a restart', async () => {
    await saveSmtp(stackSmtp(editor, { password: 'no-longer-valid' }));
    await expect(
      send({ to: approver.address, subject: 'after change', text: 'x' })
    ).rejects.toMatchObject({
      code: 'EAUTH',
    });
    await saveSmtp(stackSmtp(approver, { fromName: '' }));
    const token = crypto.randomBytes(6).toString('hex');
    await send({ to: mailbox.address, subject: `new user ${token}`, text: 'x' });
    const [mail] = await readMailbox(stack, mailbox, { subject: token });
    expect(mail?.from?.text).toBe(approver.address); // the new from address is used
  });

  describe('failures against a scripted SMTP server', () => {
    let scripted: ScriptedSmtp;
    let answers: Array<{ code: number; message: string } | null> = [];

    beforeAll(async () => {
      scripted = await startScriptedSmtp((n) => answers[n - 1] ?? null);
      await saveSmtp({
        host: '127.0.0.1',
        port: scripted.port,
        security: 'none',
        username: '',
        password: null,
        fromAddress: 'noreply@example.test',
      });
    });
    afterAll(async () => {
      await scripted?.close();
    });

    test('421 on the first attempt: send() resolves, the outbox sends it again; delivered once, two attempts logged', async () => {
      answers = [{ code: 421, message: 'Try again later' }];
      const before = scripted.attempts();
      await send({ to: 'someone@example.test', subject: 'retry me', text: 'x' });
      const row = await until(async () => {
        const [r] = await logRows({ subject: 'retry me' });
        return r?.status === 'sent' ? r : null;
      }, 10_000);
      expect([row?.status, row?.attempts, row?.raw]).toStrictEqual(['sent', 2, null]);
      expect(scripted.attempts() - before).toBe(2);
      expect(scripted.accepted.length).toBe(1);
    });

    test('550 fails at once with its code, logged', async () => {
      answers = Array(10).fill({ code: 550, message: 'Mailbox unavailable' });
      const before = scripted.attempts();
      {
        const err: { code: string; responseCode: number } = await rejectionOf(
          send({ to: 'someone@example.test', subject: 'refused', text: 'x' })
        );
        expect(err.responseCode).toBe(550);
        expect(['EMESSAGE', 'EENVELOPE'].includes(err.code)).toBeTruthy();
      }
      expect(scripted.attempts() - before).toBe(1); // no retry of a permanent failure
      await flushLog();
      const [row] = await logRows({ subject: 'refused' });
      expect(row?.status).toBe('failed');
      expect(row?.attempts).toBe(1);
    });

    test('the server down: send() resolves with the message queued; when the server is back it is delivered, once, with its Message-ID', async () => {
      await scripted.close();
      const started = Date.now();
      await send({ to: 'someone@example.test', subject: 'server down', text: 'x' });
      expect(Date.now() - started < 10_000).toBeTruthy(); // bounded in time
      const [queued] = await logRows({ subject: 'server down' });
      expect([queued?.status, queued?.errorCode, queued?.attempts]).toStrictEqual([
        'queued',
        'ECONNECTION',
        1,
      ]);
      expect(Number(queued?.nextAttemptMs)).toBeGreaterThan(started);
      // Composed once: the queued MIME carries the Message-ID every attempt will send.
      const raw = Buffer.from(String(queued?.raw), 'base64');
      const messageId = /^Message-ID: (.+)$/im.exec(raw.toString('latin1'))?.[1]?.trim();
      expect(messageId).toMatch(/^<.+@.+>$/);
      answers = []; // back, and accepting
      scripted = await startScriptedSmtp((n) => answers[n - 1] ?? null, { port: scripted.port });
      const sent = await until(async () => {
        const [r] = await logRows({ subject: 'server down' });
        return r?.status === 'sent' ? r : null;
      }, 15_000);
      expect(sent?.attempts).toBeGreaterThanOrEqual(2);
      expect(scripted.accepted.length).toBe(1);
      expect(scripted.accepted[0]!.toString('latin1')).toContain(`Message-ID: ${messageId}`);
    });
  });

  test('the delivery log is served to admins with filters, and to nobody else', async () => {
    const list = (query: string, token = admin.token) =>
      http().get(`/mail-server/outbound-messages?${query}`).set('Authorization', `Bearer ${token}`);
    const failed = await list('status=failed').expect(200);
    const subjects = failed.body.data.map((r: { subject: string }) => r.subject);
    // 'server down' was queued, then sent: not a failure.
    expect([subjects.includes('refused'), subjects.includes('server down')]).toStrictEqual([
      true,
      false,
    ]);
    expect(failed.body.data.every((r: { status: string }) => r.status === 'failed')).toBeTruthy();
    // The message itself (kept for its next attempts and a resend) is never served.
    const keys = new Set(failed.body.data.flatMap((r: object) => Object.keys(r)));
    expect(['raw', 'envelope', 'claimedBy'].filter((k) => keys.has(k))).toStrictEqual([]);
    const byRecipient = await list(
      `recipient=${encodeURIComponent(mailbox.address.toUpperCase())}`
    ).expect(200);
    expect(byRecipient.body.data.length >= 1).toBeTruthy();
    expect(
      byRecipient.body.data.every((r: { recipients: string }) =>
        r.recipients.includes(mailbox.address)
      )
    ).toBeTruthy();
    expect(byRecipient.body.meta.pagination.total).toBe(byRecipient.body.data.length);
    await list('status=bogus').expect(400);
    const editorSession = await createAdmin(app.strapi, 'strapi-editor');
    await list('', editorSession.token).expect(403);
  });

  test('no password ever reached the logs', () => {
    const logs = app.logs();
    expect(logs.includes('[mail-server]')).toBeTruthy(); // the capture saw the plugin logs
    for (const user of stack.users) expect(!logs.includes(user.password)).toBeTruthy();
    expect(!logs.includes('no-longer-valid')).toBeTruthy();
  });
});

/**
 * The plugin as Strapi's email provider: what Strapi and application code send goes through
 * the SMTP settings saved in the admin, arrives in the real Dovecot mailbox byte for byte,
 * follows settings changes without a restart, and every outcome is in the delivery log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
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
  const flushLog = () => app.strapi.plugin('mail-server').service('delivery-log').flush();

  before(async () => {
    stack = await startMailStack();
    [editor, approver, mailbox] = ['editor@', 'approver@', 'mailbox@'].map((p) =>
      stack.users.find((u) => u.address.startsWith(p))!
    );
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_RETRY_DELAY_MS: '50' });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
  });
  after(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('without SMTP settings, sending fails with ECONFIG and is logged', async () => {
    await assert.rejects(send({ to: approver.address, subject: 'nowhere', text: 'x' }), {
      code: 'ECONFIG',
    });
    await flushLog();
    const [row] = await logRows({ subject: 'nowhere' });
    assert.equal(row?.status, 'failed');
    assert.equal(row?.errorCode, 'ECONFIG');
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
    assert.match(result.messageId, /^<.+@.+>$/);
    const [mail] = await readMailbox(stack, approver, { subject: token });
    assert.ok(mail, 'delivered to the approver');
    assert.equal(mail.messageId, result.messageId);
    assert.equal(mail.from?.value[0]?.address, editor.address);
    assert.equal(mail.from?.value[0]?.name, 'Strapi Notifications');
    assert.equal(mail.replyTo?.value[0]?.address, 'help@example.test');
    assert.equal(mail.headers.get('x-report-id'), token);
    assert.equal(mail.text?.trim(), `Plain body ${token}`);
    assert.equal(mail.html && mail.html.includes(`<b>${token}</b>`), true);
    const byName = new Map(mail.attachments.map((a) => [a.filename, a.content]));
    assert.ok(byName.get('report.bin')?.equals(binary), 'binary attachment byte for byte');
    assert.equal(byName.get('notes.txt')?.toString(), `notes ${token}`);
    assert.equal(byName.get('stream.csv')?.toString(), `a,b\n1,${token}\n`);
    const [cc] = await readMailbox(stack, mailbox, { subject: token });
    assert.ok(cc, 'the cc recipient got it too');
  });

  test('attachments that would read local files or URLs are refused', async () => {
    await assert.rejects(
      send({
        to: approver.address,
        subject: 'lfi',
        text: 'x',
        attachments: [{ path: '/etc/passwd' }],
      }),
      { code: 'EMESSAGE' }
    );
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
    assert.equal(tests.length, 1);

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
    assert.equal(resets.length, 1);
    assert.match(resets[0]!.html || resets[0]!.text || '', /code=/);
  });

  test("Strapi's Settings → Email page sees our transport and can verify it", async () => {
    const res = await http()
      .get('/email/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .expect(200);
    assert.equal(res.body.supportsVerify, true);
    assert.equal(res.body.capabilities.transport.host, '127.0.0.1');
    assert.equal(res.body.capabilities.transport.port, stack.smtp.port);
    assert.equal(res.body.capabilities.auth.user, editor.address);
    await http().post('/email/verify').set('Authorization', `Bearer ${admin.token}`).expect(200);
  });

  test('a settings change applies to the next send without a restart', async () => {
    await saveSmtp(stackSmtp(editor, { password: 'no-longer-valid' }));
    await assert.rejects(send({ to: approver.address, subject: 'after change', text: 'x' }), {
      code: 'EAUTH',
    });
    await saveSmtp(stackSmtp(approver, { fromName: '' }));
    const token = crypto.randomBytes(6).toString('hex');
    await send({ to: mailbox.address, subject: `new user ${token}`, text: 'x' });
    const [mail] = await readMailbox(stack, mailbox, { subject: token });
    assert.equal(mail?.from?.text, approver.address, 'the new from address is used');
  });

  describe('failures against a scripted SMTP server', () => {
    let scripted: ScriptedSmtp;
    let answers: Array<{ code: number; message: string } | null> = [];

    before(async () => {
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
    after(async () => {
      await scripted?.close();
    });

    test('421 on the first attempt, accepted on the second: delivered, two attempts logged', async () => {
      answers = [{ code: 421, message: 'Try again later' }];
      const before = scripted.attempts();
      await send({ to: 'someone@example.test', subject: 'retry me', text: 'x' });
      assert.equal(scripted.attempts() - before, 2);
      assert.equal(scripted.accepted.length, 1);
      await flushLog();
      const [row] = await logRows({ subject: 'retry me' });
      assert.equal(row?.status, 'sent');
      assert.equal(row?.attempts, 2);
    });

    test('550 fails at once with its code, logged', async () => {
      answers = Array(10).fill({ code: 550, message: 'Mailbox unavailable' });
      const before = scripted.attempts();
      await assert.rejects(
        send({ to: 'someone@example.test', subject: 'refused', text: 'x' }),
        (err: { code: string; responseCode: number }) => {
          assert.equal(err.responseCode, 550);
          assert.ok(['EMESSAGE', 'EENVELOPE'].includes(err.code), err.code);
          return true;
        }
      );
      assert.equal(scripted.attempts() - before, 1, 'no retry of a permanent failure');
      await flushLog();
      const [row] = await logRows({ subject: 'refused' });
      assert.equal(row?.status, 'failed');
      assert.equal(row?.attempts, 1);
    });

    test('the server down: ECONNECTION after the bounded retries, logged', async () => {
      await scripted.close();
      const started = Date.now();
      await assert.rejects(
        send({ to: 'someone@example.test', subject: 'server down', text: 'x' }),
        {
          code: 'ECONNECTION',
        }
      );
      assert.ok(Date.now() - started < 10_000, 'bounded in time');
      await flushLog();
      const [row] = await logRows({ subject: 'server down' });
      assert.equal(row?.status, 'failed');
      assert.equal(row?.errorCode, 'ECONNECTION');
      assert.equal(row?.attempts, 3, 'first try + 2 retries');
    });
  });

  test('the delivery log is served to admins with filters, and to nobody else', async () => {
    const list = (query: string, token = admin.token) =>
      http().get(`/mail-server/outbound-messages?${query}`).set('Authorization', `Bearer ${token}`);
    const failed = await list('status=failed').expect(200);
    const subjects = failed.body.data.map((r: { subject: string }) => r.subject);
    assert.ok(subjects.includes('refused') && subjects.includes('server down'));
    assert.ok(failed.body.data.every((r: { status: string }) => r.status === 'failed'));
    const byRecipient = await list(
      `recipient=${encodeURIComponent(mailbox.address.toUpperCase())}`
    ).expect(200);
    assert.ok(byRecipient.body.data.length >= 1);
    assert.ok(
      byRecipient.body.data.every((r: { recipients: string }) =>
        r.recipients.includes(mailbox.address)
      )
    );
    assert.equal(byRecipient.body.meta.pagination.total, byRecipient.body.data.length);
    await list('status=bogus').expect(400);
    const editorSession = await createAdmin(app.strapi, 'strapi-editor');
    await list('', editorSession.token).expect(403);
  });

  test('no password ever reached the logs', () => {
    const logs = app.logs();
    assert.ok(logs.includes('[mail-server]'), 'the capture saw the plugin logs');
    for (const user of stack.users) assert.ok(!logs.includes(user.password));
    assert.ok(!logs.includes('no-longer-valid'));
  });
});

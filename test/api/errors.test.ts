/**
 * Every plugin route answers each error code it can produce with that code's status, in
 * Strapi's error envelope (issue #12, point 1). Codes produced only in set-ups of their own
 * are asserted where those live: EFORBIDDEN, EAPPROVER, ERATELIMIT, ECONFIRM, EREQUESTER-style
 * refusals in approvals-rbac.test.ts; ESECRETDEST in secret-destination.test.ts; ESECRETKEY on
 * save in settings-config.test.ts.
 */
import { describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { ParsedMail } from 'mailparser';
import { ARTICLE, useApprovalsFixture } from '../helpers/approvals-fixture';
import { sendReply } from '../helpers/replies';

describe('error answers of every route', () => {
  const fx = useApprovalsFixture();
  const call = (method: 'get' | 'post' | 'put', path: string, body?: object) =>
    request(fx.app.strapi.server.httpServer)
      [method](`/mail-server${path}`)
      .set('Authorization', `Bearer ${fx.admin.token}`)
      .send(body ?? {});
  const expectError = (
    res: { status: number; body: { error: { status: number; details: { code?: string } } } },
    status: number,
    code: string | undefined
  ) => {
    expect([res.status, res.body.error.status, res.body.error.details.code]).toEqual([
      status,
      status,
      code,
    ]);
  };

  test('PUT /settings: 400 ValidationError on the field; 400 ECONFIG for OAuth2 without a secret', async () => {
    const invalid = await call('put', '/settings', { smtp: { port: 70000 } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.errors[0].path).toEqual(['smtp', 'port']);
    const noSecret = await call('put', '/settings', {
      imap: {
        ...fx.imapSettings(),
        oauth2: { enabled: true, tenantId: 't', clientId: 'c' },
      },
    });
    expectError(noSecret, 400, 'ECONFIG');
    expect(noSecret.body.error.details.errors[0].path).toEqual(['imap', 'oauth2', 'clientSecret']);
  });

  test('POST /oauth/:section/connect on a section without the authorization code grant: 400 ECONFIG', async () => {
    expectError(await call('post', '/oauth/smtp/connect'), 400, 'ECONFIG');
  });

  test('POST /approvals: unknown type or entry is a 400 on the field (ECONFIG, ENOTFOUND)', async () => {
    const base = { documentId: 'nope', approvers: [fx.approver.address] };
    const type = await call('post', '/approvals', { ...base, uid: 'api::nothing.nothing' });
    expectError(type, 400, 'ECONFIG');
    expect(type.body.error.details.errors[0].path).toEqual(['uid']);
    const entry = await call('post', '/approvals', { ...base, uid: ARTICLE });
    expectError(entry, 400, 'ENOTFOUND');
    expect(entry.body.error.details.errors[0].path).toEqual(['documentId']);
  });

  test('POST /approvals/:id/cancel: 404 ENOTFOUND, then 409 ENOTPENDING once decided', async () => {
    expectError(await call('post', '/approvals/999999/cancel'), 404, 'ENOTFOUND');
    const { row } = await fx.ask('Cancelled twice');
    expect((await call('post', `/approvals/${row.id}/cancel`)).status).toBe(200);
    expectError(await call('post', `/approvals/${row.id}/cancel`), 409, 'ENOTPENDING');
  });

  test('accept / discard: 404 ENOTFOUND, 400 ENODECISION, 409 ENOTQUARANTINED, 409 ENOTPENDING', async () => {
    expectError(await call('post', '/inbound-messages/999999/accept'), 404, 'ENOTFOUND');
    expectError(await call('post', '/inbound-messages/999999/discard'), 404, 'ENOTFOUND');

    const replyAs = (who: typeof fx.approver, notification: ParsedMail, text: string) =>
      sendReply(fx.stack, who, fx.mailbox.address, notification, text);
    const undecided = await fx.ask('Held without a decision');
    const noDecision = await replyAs(fx.approver, undecided.notification, 'Let me think about it.');
    const decidedElsewhere = await fx.ask('Cancelled while held');
    const wrongSender = await replyAs(fx.editor, decidedElsewhere.notification, 'APPROVE');
    await fx.runInbox();
    const [held] = await fx.inboundFor({ messageId: noDecision });
    expectError(await call('post', `/inbound-messages/${held.id}/accept`), 400, 'ENODECISION');
    expect((await call('post', `/inbound-messages/${held.id}/discard`)).status).toBe(200);
    expectError(await call('post', `/inbound-messages/${held.id}/discard`), 409, 'ENOTQUARANTINED');

    const [other] = await fx.inboundFor({ messageId: wrongSender });
    await call('post', `/approvals/${decidedElsewhere.row.id}/cancel`);
    expectError(await call('post', `/inbound-messages/${other.id}/accept`), 409, 'ENOTPENDING');
  });

  test('a stored secret that cannot be decrypted: the simulator and the job answer ESECRETKEY, not 500', async () => {
    const settings = fx.app.strapi.db.query('plugin::mail-server.settings');
    const row = await settings.findOne({});
    await settings.update({
      where: { id: row.id },
      data: { imap: { ...row.imap, password: 'v1:not-a-ciphertext' } },
    });
    // Other instances re-read the row within seconds; this one is told at once.
    fx.app.strapi.plugin('mail-server').service('settings').clear();
    try {
      const raw = 'From: a@example.test\r\nSubject: x\r\n\r\nAPPROVE\r\n';
      expectError(await call('post', '/approvals/analyze', { raw }), 400, 'ESECRETKEY');
      expectError(await call('post', '/approvals/inbox/run'), 400, 'ESECRETKEY');
    } finally {
      await settings.update({ where: { id: row.id }, data: { imap: row.imap } });
      fx.app.strapi.plugin('mail-server').service('settings').clear();
    }
  });
});

/**
 * The mailbox job's health as the admin reads it (GET /mail-server/inbox-health): the last
 * pass with its counts, and while passes fail since when and why, diagnosed as a Test result
 * is (same codes and fixes) — never a password. Readable with the settings' or the approvals'
 * read right, not with another one.
 */
import { describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { inboxHealthSchema } from '../../shared/contracts/inbox-health';
import { createAdmin, type AdminSession } from '../helpers/admin';
import { useApprovalsFixture } from '../helpers/approvals-fixture';
import { sendReply } from '../helpers/replies';

describe('the mailbox job health', () => {
  const fx = useApprovalsFixture();
  const http = () => request(fx.app.strapi.server.httpServer);
  const health = async (who: AdminSession = fx.admin) => {
    const res = await http()
      .get('/mail-server/inbox-health')
      .set('Authorization', `Bearer ${who.token}`)
      .expect(200);
    return inboxHealthSchema.parse(res.body);
  };
  const saveImap = (imap: Record<string, unknown>) =>
    http()
      .put('/mail-server/settings')
      .set('Authorization', `Bearer ${fx.admin.token}`)
      .send({ imap })
      .expect(200);

  test('a pass that decides a reply: ok, with what it did', async () => {
    const { notification } = await fx.ask('Health');
    await sendReply(fx.stack, fx.approver, fx.mailbox.address, notification, 'APPROVE');
    const report = await fx.runInbox();
    expect(report.applied).toBe(1);
    const h = await health();
    expect([h.configured, h.result, h.counts.applied, h.failures, h.error]).toStrictEqual([
      true,
      'ok',
      1,
      0,
      null,
    ]);
    expect(h.lastSuccessAt).toBe(h.lastRunAt);
  });

  test('a wrong password: failed, EAUTH with its fix, counted per pass, never the password', async () => {
    const wrong = 'Wrong-Passw0rd-123';
    await saveImap({ ...fx.imapSettings(), password: wrong });
    await fx.runInbox();
    const first = await health();
    expect([first.result, first.failures, first.error?.code]).toStrictEqual(['failed', 1, 'EAUTH']);
    expect(first.error?.fix).toBeTruthy();
    expect(first.failingSince).toBe(first.lastRunAt);
    const before = first.lastSuccessAt;

    await fx.runInbox();
    const second = await health();
    expect([second.failures, second.failingSince, second.lastSuccessAt]).toStrictEqual([
      2,
      first.failingSince,
      before,
    ]);
    expect(JSON.stringify(second)).not.toContain(wrong);

    // Fixed: the next pass clears it.
    await saveImap(fx.imapSettings());
    await fx.runInbox();
    const fixed = await health();
    expect([fixed.result, fixed.failures, fixed.failingSince, fixed.error]).toStrictEqual([
      'ok',
      0,
      null,
      null,
    ]);
  });

  test('readable with the settings or the approvals read right, not with the delivery log alone', async () => {
    const settingsReader = await createAdmin(fx.app.strapi, {
      name: 'Settings reader',
      actions: ['plugin::mail-server.settings.read'],
    });
    const approvalsReader = await createAdmin(fx.app.strapi, {
      name: 'Approvals reader',
      actions: ['plugin::mail-server.approvals.read'],
    });
    const logReader = await createAdmin(fx.app.strapi, {
      name: 'Log reader',
      actions: ['plugin::mail-server.delivery-log.read'],
    });
    expect((await health(settingsReader)).configured).toBe(true);
    expect((await health(approvalsReader)).configured).toBe(true);
    const denied = await http()
      .get('/mail-server/inbox-health')
      .set('Authorization', `Bearer ${logReader.token}`);
    expect(denied.status).toBe(403);
  });
});

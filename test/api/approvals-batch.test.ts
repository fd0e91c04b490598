/**
 * The inbox job records a batch of replies in one transaction, each message in a savepoint of
 * its own, and answers approvers in the background. These tests pin what that must not
 * change: one failing message never undoes the others, a message met twice is decided once,
 * events reach application code only for committed decisions, and a slow SMTP server delays
 * the answers, never the decisions.
 */
import { before, describe, test } from 'node:test';
import type { Core } from '@strapi/strapi';
import assert from 'node:assert/strict';
import request from 'supertest';
import { appendRaw, folderCounts, readMailbox } from '../helpers/mailbox';
import { sendReply } from '../helpers/replies';
import { startScriptedSmtp } from '../helpers/scripted-smtp';
import { ARTICLE, useApprovalsFixture } from '../helpers/approvals-fixture';
import type { MailUser } from '../mailstack/types';

describe('approvals: a batch of replies', () => {
  const fx = useApprovalsFixture();
  let approver: MailUser;
  let mailbox: MailUser;
  before(() => ({ approver, mailbox } = fx));
  const mail = () => fx.app.strapi.plugin('mail-server').service('approval-mail');
  const inbox = () => fx.app.strapi.plugin('mail-server').service('inbox');

  test('the same reply twice in one batch: decided once, both copies filed', async () => {
    const { row, notification } = await fx.ask('Twice');
    const messageId = `<twice-${row.id}@example.test>`;
    const raw = [
      `From: ${approver.address}`,
      `To: ${mailbox.address}`,
      `Subject: Re: ${notification.subject}`,
      `Message-ID: ${messageId}`,
      `In-Reply-To: ${notification.messageId}`,
      `References: ${notification.messageId}`,
      '',
      'APPROVE',
      '',
    ].join('\r\n');
    await appendRaw(fx.stack, mailbox, raw);
    await appendRaw(fx.stack, mailbox, raw);

    const report = await fx.runInbox();
    assert.equal(report.applied, 1, JSON.stringify(report));
    assert.equal(report.refiled, 1, 'the second copy was only filed');
    assert.equal(report.error, undefined);
    assert.equal((await fx.approvals().findOne(row.id)).decisions.length, 1);
    assert.equal((await fx.inboundFor({ messageId })).length, 1, 'one audit row');
    const counts = await folderCounts(fx.stack, mailbox);
    assert.equal(counts.INBOX, 0);
    const processed = await readMailbox(
      fx.stack,
      mailbox,
      { subject: notification.subject! },
      'Processed'
    );
    assert.equal(processed.length, 2, 'both copies in Processed');
    const answers = await readMailbox(fx.stack, approver, {
      subject: `Re: ${notification.subject}`,
    });
    assert.equal(answers.length, 1, 'one answer, for the decision');
  });

  test('a reference to a request id no database holds is quarantined; the batch goes on', async () => {
    const { entry, notification } = await fx.ask('Beside a forged id');
    const forged = '<apr.999999999999.0.aaaaaaaaaaaaaaaa@example.test>';
    const raw = [
      `From: ${approver.address}`,
      `To: ${mailbox.address}`,
      'Subject: Re: forged',
      `Message-ID: <forged-id-${Date.now()}@example.test>`,
      `In-Reply-To: ${forged}`,
      `References: ${forged}`,
      '',
      'APPROVE',
      '',
    ].join('\r\n');
    await appendRaw(fx.stack, mailbox, raw);
    await sendReply(fx.stack, approver, mailbox.address, notification, 'APPROVE');
    const report = await fx.runInbox();
    assert.equal(report.error, undefined, JSON.stringify(report));
    assert.equal(report.applied, 1, JSON.stringify(report));
    assert.equal(report.quarantined, 1, JSON.stringify(report));
    assert.equal(await fx.isPublished(entry.documentId), true);
    assert.equal((await fx.inboundFor({ reason: 'no-reference' })).length, 1);
  });

  test('a message over 10 MB is quarantined unread, with its reason', async () => {
    const big = [
      `From: ${approver.address}`,
      `To: ${mailbox.address}`,
      'Subject: Re: a very large reply',
      `Message-ID: <big-${Date.now()}@example.test>`,
      '',
      'APPROVE',
      'x'.repeat(76),
    ].join('\r\n');
    const padding = `\r\n${'y'.repeat(998)}`.repeat(11 * 1024);
    await appendRaw(fx.stack, mailbox, big + padding);
    const report = await fx.runInbox();
    assert.equal(report.quarantined, 1, JSON.stringify(report));
    const [row] = await fx.inboundFor({ reason: 'too-large' });
    assert.equal(row?.verdict, 'quarantined');
    assert.equal(row?.folder, 'Quarantine');
    assert.equal(row?.decision, null, 'never read, so never decided');
    assert.equal((await folderCounts(fx.stack, mailbox)).INBOX, 0);
  });

  test('a failing action quarantines its reply and undoes its decision; the others stand', async () => {
    const decided: Array<{ id: number; inTransaction: boolean; status: string }> = [];
    const off = fx.app.strapi.eventHub.on(
      'mail-server.approval.decided',
      async ({ request: r }: { request: { id: number } }) => {
        const stored = await fx.approvals().findOne(r.id);
        decided.push({
          id: r.id,
          inTransaction: fx.app.strapi.db.inTransaction(),
          status: stored.status,
        });
      }
    ) as () => void;
    // Strapi's own after-commit work (the webhooks of a publish) must not outlive a rollback.
    const publishEvents: unknown[] = [];
    const offPublish = fx.app.strapi.eventHub.on('entry.publish', async (event: unknown) => {
      publishEvents.push(event);
    }) as () => void;
    // Publishes, then fails: everything it did must be undone.
    fx.approvals().registerAction(
      'explode',
      async ({
        strapi,
        request: r,
      }: {
        strapi: Core.Strapi;
        request: { targetDocumentId: string };
      }) => {
        await strapi.documents(ARTICLE).publish({ documentId: r.targetDocumentId } as never);
        throw Object.assign(new Error('the action broke'), { code: 'EBROKEN' });
      }
    );
    try {
      const good = await fx.ask('Good one');
      const bad = await fx.ask('Bad one', { action: 'explode' });
      const alsoGood = await fx.ask('Also good');
      for (const { notification } of [good, bad, alsoGood]) {
        await sendReply(fx.stack, approver, mailbox.address, notification, 'APPROVE');
      }

      const report = await fx.runInbox();
      assert.equal(report.applied, 2, JSON.stringify(report));
      assert.equal(report.failed, 1, JSON.stringify(report));
      assert.equal(await fx.isPublished(good.entry.documentId), true);
      assert.equal(await fx.isPublished(alsoGood.entry.documentId), true);

      // Nothing of the failed decision was kept: still pending, no decision, not published.
      const failed = await fx.approvals().findOne(bad.row.id);
      assert.equal(failed.status, 'pending');
      assert.deepEqual(failed.decisions, []);
      assert.equal(await fx.isPublished(bad.entry.documentId), false);
      const [audit] = await fx.inboundFor({ requestId: bad.row.id });
      assert.equal(audit?.verdict, 'failed');
      assert.equal(audit?.reason, 'action-failed');
      assert.equal(audit?.folder, 'Quarantine');

      // Events: the two committed decisions only, delivered after their commit.
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(decided.map((d) => d.id).sort(), [good.row.id, alsoGood.row.id].sort());
      for (const d of decided) {
        assert.equal(d.inTransaction, false, 'emitted outside the transaction');
        assert.equal(d.status, 'approved', 'the listener reads the committed decision');
      }
      assert.equal(publishEvents.length, 2, 'publish events for the two committed publishes only');
    } finally {
      off();
      offPublish();
    }
  });

  test('a slow SMTP server delays the answers, never the decisions', async () => {
    const { entry, row, notification } = await fx.ask('Slow answers');
    await sendReply(fx.stack, approver, mailbox.address, notification, 'APPROVE');
    // From now on our SMTP server takes 1.5 s to accept each message.
    const slow = await startScriptedSmtp(() => ({ delayMs: 1500 }));
    const saveSmtp = (smtp: object) =>
      request(fx.app.strapi.server.httpServer)
        .put('/mail-server/settings')
        .set('Authorization', `Bearer ${fx.admin.token}`)
        .send({ smtp })
        .expect(200);
    try {
      await saveSmtp({ host: '127.0.0.1', port: slow.port, security: 'none', username: '' });
      const report = await inbox().run();
      assert.equal(report.applied, 1, JSON.stringify(report));
      assert.equal(await fx.isPublished(entry.documentId), true, 'decided before the answer');
      assert.equal(mail().queuedAnswers(), 1, 'the answer is still on its way');
      assert.equal(slow.accepted.length, 0);

      await mail().flush();
      assert.equal(mail().queuedAnswers(), 0);
      assert.equal(slow.accepted.length, 1, 'then the answer went out');
      assert.match(slow.accepted[0]!.toString(), /^Auto-Submitted: auto-replied/im);
      assert.equal((await fx.approvals().findOne(row.id)).status, 'approved');
    } finally {
      await saveSmtp({
        host: '127.0.0.1',
        port: fx.stack.smtp.port,
        security: 'starttls',
        username: mailbox.address,
        password: mailbox.password,
      });
      await slow.close();
    }
  });
});

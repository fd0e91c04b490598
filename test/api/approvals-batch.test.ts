/**
 * The inbox job records a batch of replies in one transaction, each message in a savepoint of
 * its own, and answers approvers in the background. These tests pin what that must not
 * change: one failing message never undoes the others, a message met twice is decided once,
 * events reach application code only for committed decisions, and a slow SMTP server delays
 * the answers, never the decisions.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import type { Core } from '@strapi/strapi';
import request from 'supertest';
import { appendRaw, folderCounts, readMailbox } from '../helpers/mailbox';
import { sendReply } from '../helpers/replies';
import { startScriptedSmtp } from '../helpers/scripted-smtp';
import { until } from '../helpers/wait';
import { ARTICLE, INBOUND, useApprovalsFixture } from '../helpers/approvals-fixture';
import type { MailUser } from '../mailstack/types';

const APPROVAL = 'plugin::mail-server.approval';

describe('approvals: a batch of replies', () => {
  const fx = useApprovalsFixture();
  let approver: MailUser;
  let mailbox: MailUser;
  beforeAll(() => {
    ({ approver, mailbox } = fx);
  });
  const outbox = () => fx.app.strapi.plugin('mail-server').service('outbox');
  /** Answers to approvers kept in the outbox and not sent yet. */
  const unsentAnswers = async () =>
    (
      await fx.app.strapi.db.query('plugin::mail-server.outbound-message').findMany({
        where: { status: { $in: ['queued', 'sending'] }, subject: { $startsWith: 'Re:' } },
      })
    ).length;
  const inbox = () => fx.app.strapi.plugin('mail-server').service('inbox');

  test('the same reply twice in one batch: decided once, both copies filed', async () => {
    const { row, notification } = await fx.ask('Twice');
    const messageId = `<twice-${row.id}@example.test>`;
    // Delivered twice by the receiving server (its stamp on each copy), put in with APPEND.
    const raw = [
      `Authentication-Results: ${fx.stack.authservId}; auth=pass smtp.auth=${approver.address}`,
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
    expect(report.applied).toBe(1);
    expect(report.refiled).toBe(1); // the second copy was only filed
    expect(report.error).toBe(undefined);
    expect((await fx.approvals().findOne(row.id)).decisions.length).toBe(1);
    expect((await fx.inboundFor({ messageId })).length).toBe(1); // one audit row
    const counts = await folderCounts(fx.stack, mailbox);
    expect(counts.INBOX).toBe(0);
    const processed = await readMailbox(
      fx.stack,
      mailbox,
      { subject: notification.subject! },
      'Processed'
    );
    expect(processed.length).toBe(2); // both copies in Processed
    const answers = await readMailbox(fx.stack, approver, {
      subject: `Re: ${notification.subject}`,
    });
    expect(answers.length).toBe(1); // one answer, for the decision
  });

  test('two replies whose Message-IDs differ only in case are two messages, on every database', async () => {
    // A Message-ID's local part is case-sensitive (RFC 5322); MySQL's default collation is not.
    const first = await fx.ask('Case one');
    const second = await fx.ask('Case two');
    const reply = (asked: typeof first, messageId: string) =>
      [
        `Authentication-Results: ${fx.stack.authservId}; auth=pass smtp.auth=${approver.address}`,
        `From: ${approver.address}`,
        `To: ${mailbox.address}`,
        `Subject: Re: ${asked.notification.subject}`,
        `Message-ID: ${messageId}`,
        `In-Reply-To: ${asked.notification.messageId}`,
        `References: ${asked.notification.messageId}`,
        '',
        'APPROVE',
        '',
      ].join('\r\n');
    const upper = `<CaseKey-${first.row.id}@example.test>`;
    const lower = upper.toLowerCase();
    await appendRaw(fx.stack, mailbox, reply(first, upper));
    await appendRaw(fx.stack, mailbox, reply(second, lower));

    const report = await fx.runInbox();
    expect([report.applied, report.refiled, report.error]).toStrictEqual([2, 0, undefined]);
    expect((await fx.approvals().findOne(first.row.id)).decisions.length).toBe(1);
    expect((await fx.approvals().findOne(second.row.id)).decisions.length).toBe(1);
    const rows = await fx.inboundFor({ messageId: { $in: [upper, lower] } });
    expect(rows.map((r) => r.verdict)).toStrictEqual(['applied', 'applied']);
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
    expect(report.error).toBe(undefined);
    expect(report.applied).toBe(1);
    expect(report.quarantined).toBe(1);
    expect(await fx.isPublished(entry.documentId)).toBe(true);
    expect((await fx.inboundFor({ reason: 'no-reference' })).length).toBe(1);
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
    // A second one: each is recorded under its own Message-ID (none is read to hash it).
    const other = big.replace(/Message-ID: <big-/, 'Message-ID: <big-other-');
    await appendRaw(fx.stack, mailbox, other + padding);
    const report = await fx.runInbox();
    expect(report.quarantined).toBe(2);
    const rows = await fx.inboundFor({ reason: 'too-large' });
    expect(rows.map((r) => [r.verdict, r.folder, r.decision])).toStrictEqual([
      ['quarantined', 'Quarantine', null], // never read, so never decided
      ['quarantined', 'Quarantine', null],
    ]);
    expect(new Set(rows.map((r) => r.messageKey)).size).toBe(2);
    expect(rows.map((r) => r.messageId)).toStrictEqual([
      /Message-ID: (.+)/.exec(big)![1],
      /Message-ID: (.+)/.exec(other)![1],
    ]);
    expect((await folderCounts(fx.stack, mailbox)).INBOX).toBe(0);
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
      expect(report.applied).toBe(2);
      expect(report.failed).toBe(1);
      expect(await fx.isPublished(good.entry.documentId)).toBe(true);
      expect(await fx.isPublished(alsoGood.entry.documentId)).toBe(true);

      // Nothing of the failed decision was kept: still pending, no decision, not published.
      const failed = await fx.approvals().findOne(bad.row.id);
      expect(failed.status).toBe('pending');
      expect(failed.decisions).toStrictEqual([]);
      expect(await fx.isPublished(bad.entry.documentId)).toBe(false);
      const [audit] = await fx.inboundFor({ requestId: bad.row.id });
      expect(audit?.verdict).toBe('failed');
      expect(audit?.reason).toBe('action-failed');
      expect(audit?.folder).toBe('Quarantine');

      // Events: the two committed decisions only, delivered after their commit.
      await new Promise((r) => setImmediate(r));
      expect(decided.map((d) => d.id).sort()).toStrictEqual([good.row.id, alsoGood.row.id].sort());
      for (const d of decided) {
        expect(d.inTransaction).toBe(false); // emitted outside the transaction
        expect(d.status).toBe('approved'); // the listener reads the committed decision
      }
      expect(publishEvents.length).toBe(2); // publish events for the two committed publishes only
    } finally {
      off();
      offPublish();
    }
  });

  test('a request made while the SMTP server is down exists with all its emails, which go out when it returns; without SMTP settings nothing is created', async () => {
    const down = await startScriptedSmtp(() => null);
    const port = down.port;
    await down.close();
    const put = (smtp: object) =>
      request(fx.app.strapi.server.httpServer)
        .put('/mail-server/settings')
        .set('Authorization', `Bearer ${fx.admin.token}`)
        .send({ smtp })
        .expect(200);
    const OUTBOUND = 'plugin::mail-server.outbound-message';
    const emailsOf = (id: number) =>
      fx.app.strapi.db.query(OUTBOUND).findMany({
        where: { subject: { $contains: `[Ref: APR-${id}-` } },
      });
    let back: Awaited<ReturnType<typeof startScriptedSmtp>> | undefined;
    try {
      await put({ host: '127.0.0.1', port, security: 'none', username: '' });
      const entry = await fx.draft('Asked while down');
      const row = await fx.approvals().request({
        uid: ARTICLE,
        documentId: entry.documentId,
        approvers: [approver.address, fx.editor.address],
      });
      // Created, with both emails kept for the server's return.
      expect((await fx.approvals().findOne(row.id)).status).toBe('pending');
      const kept = await emailsOf(row.id);
      expect(kept.length).toBe(2);
      for (const email of kept) expect(['queued', 'sending']).toContain(email.status);

      back = await startScriptedSmtp(() => null, { port });
      const arrived = await until(async () => (back!.accepted.length >= 2 ? true : null), 30_000);
      expect(arrived).toBe(true);
      const ids = back.accepted.map(
        (raw) => /^Message-ID: *(<[^>]+>)/im.exec(raw.toString())?.[1] ?? ''
      );
      // Each approver's own email, with the Message-ID the request gave it.
      expect(ids.map((id) => id.replace(/\.[a-z2-7]{16}@.*$/, '')).sort()).toStrictEqual([
        `<apr.${row.id}.0`,
        `<apr.${row.id}.1`,
      ]);
      expect(
        await until(async () => {
          const rows = await emailsOf(row.id);
          return rows.every((r) => r.status === 'sent') ? rows : null;
        }, 10_000)
      ).toHaveLength(2);

      // No SMTP server at all: refused whole, no request and no email written.
      await put({ host: '' });
      const requestsBefore = await fx.app.strapi.db.query(APPROVAL).count({});
      const emailsBefore = await fx.app.strapi.db.query(OUTBOUND).count({});
      const other = await fx.draft('Asked with no SMTP');
      await expect(
        fx.approvals().request({
          uid: ARTICLE,
          documentId: other.documentId,
          approvers: [approver.address],
        })
      ).rejects.toMatchObject({ code: 'ECONFIG' });
      expect(await fx.app.strapi.db.query(APPROVAL).count({})).toBe(requestsBefore);
      expect(await fx.app.strapi.db.query(OUTBOUND).count({})).toBe(emailsBefore);
    } finally {
      await put({
        host: '127.0.0.1',
        port: fx.stack.smtp.port,
        security: 'starttls',
        username: mailbox.address,
        password: mailbox.password,
      });
      await back?.close();
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
      expect(report.applied).toBe(1);
      expect(await fx.isPublished(entry.documentId)).toBe(true); // decided before the answer
      // The answer is an outbox row, still on its way.
      expect(await unsentAnswers()).toBe(1);
      expect(slow.accepted.length).toBe(0);

      await outbox().flush();
      expect(await unsentAnswers()).toBe(0);
      expect(slow.accepted.length).toBe(1); // then the answer went out
      expect(slow.accepted[0]!.toString()).toMatch(/^Auto-Submitted: auto-replied/im);
      expect((await fx.approvals().findOne(row.id)).status).toBe('approved');
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

  // Two instances record the same message: ours has opened its batch's transaction and read
  // (findRecorded) when the other commits the Message-ID, before our insert. Our insert then
  // meets a duplicate key, and the re-read must see the other instance's row, which a plain
  // read does not on MySQL/MariaDB (InnoDB, REPEATABLE READ: the transaction's snapshot
  // predates it). An auto-reply shows the failure at once (recording it again would collide
  // again and fail the batch); a decision was rescued by the batch's one-by-one redo. Skipped
  // on SQLite, where the race cannot occur: knex gives a process one SQLite connection, so the
  // other writer waits for our transaction to end; and another process either cannot commit
  // while our transaction has read (rollback journal) or makes our insert fail on its stale
  // snapshot (WAL: SQLITE_BUSY_SNAPSHOT) before any duplicate key.
  const shared = (process.env.DATABASE_CLIENT ?? 'sqlite') !== 'sqlite';
  (shared ? test.each : test.skip.each)([
    {
      kind: 'an auto-reply',
      body: 'Out of office',
      verdict: 'ignored',
      reason: 'auto-reply',
      folder: 'Ignored',
    },
    {
      kind: 'a decision',
      body: 'APPROVE',
      verdict: 'applied',
      reason: 'decision',
      folder: 'Processed',
    },
  ])(
    '$kind another instance records while our batch is open is only filed; the batch goes on',
    async ({ kind, body, verdict, reason, folder }) => {
      const raced = await fx.ask(`Raced: ${kind}`);
      const beside = await fx.ask(`Beside ${kind}`);
      const messageId = `<raced-${raced.row.id}@example.test>`;
      await appendRaw(
        fx.stack,
        mailbox,
        [
          `Authentication-Results: ${fx.stack.authservId}; auth=pass smtp.auth=${approver.address}`,
          `From: ${approver.address}`,
          `To: ${mailbox.address}`,
          `Subject: Re: ${raced.notification.subject}`,
          `Message-ID: ${messageId}`,
          `In-Reply-To: ${raced.notification.messageId}`,
          `References: ${raced.notification.messageId}`,
          ...(verdict === 'ignored' ? ['Auto-Submitted: auto-replied'] : []),
          '',
          body,
          '',
        ].join('\r\n')
      );
      await sendReply(fx.stack, approver, mailbox.address, beside.notification, 'APPROVE');

      // The batch's first read holds its transaction open until the other instance committed.
      let signalRead!: () => void;
      const firstRead = new Promise<void>((resolve) => (signalRead = resolve));
      let signalCommitted!: () => void;
      const otherCommitted = new Promise<void>((resolve) => (signalCommitted = resolve));
      let paused = false;
      let batchReads = 0; // findRecorded at the start of each transaction that records messages
      const unsubscribe = fx.app.strapi.db.lifecycles.subscribe({
        models: [INBOUND],
        async afterFindMany() {
          if (!fx.app.strapi.db.inTransaction()) return;
          batchReads++;
          if (paused) return;
          paused = true;
          signalRead();
          await otherCommitted;
        },
      }) as unknown as () => void;
      let report: Awaited<ReturnType<typeof fx.runInbox>>;
      try {
        const run = fx.runInbox();
        await Promise.race([firstRead, run]);
        expect(paused).toBe(true); // the batch's transaction is open and has read
        // The other instance: another connection, outside our transaction, committed at once.
        expect(fx.app.strapi.db.inTransaction()).toBe(false);
        await fx.app.strapi.db.query(INBOUND).create({
          data: {
            messageKey: messageId,
            messageId,
            verdict,
            reason,
            requestId: raced.row.id,
            folder,
          },
        });
        signalCommitted();
        report = await run;
      } finally {
        signalCommitted();
        unsubscribe();
      }
      expect(report.error).toBe(undefined);
      expect(report.failed).toBe(0);
      expect(report.refiled).toBe(1); // filed as the other instance recorded it
      expect(report.applied).toBe(1); // the other reply of the batch stands
      expect(batchReads).toBe(1); // one transaction: the batch was not undone and redone message by message
      const rows = await fx.inboundFor({ messageId });
      expect(rows.map((r) => [r.verdict, r.reason])).toStrictEqual([[verdict, reason]]); // the other instance's row only
      // Not decided here (the other instance decides in its own transaction; its row stands in).
      expect((await fx.approvals().findOne(raced.row.id)).decisions).toStrictEqual([]);
      expect((await fx.approvals().findOne(beside.row.id)).status).toBe('approved');
      expect((await folderCounts(fx.stack, mailbox)).INBOX).toBe(0);
      const filed = await readMailbox(
        fx.stack,
        mailbox,
        { subject: raced.notification.subject! },
        folder
      );
      expect(filed.length).toBe(1); // in the folder the other instance's row names
    }
  );

  test('old inbound rows are pruned after the retention; held replies nobody reviewed stay', async () => {
    const rows = await fx.inboundFor({});
    const unreviewed = (r: Record<string, unknown>) =>
      (r.verdict === 'quarantined' || r.verdict === 'failed') && !r.resolution;
    expect(rows.some(unreviewed) && rows.some((r) => !unreviewed(r))).toBe(true);
    // As the daily job would, 91 days from now: every row is past the 90 days.
    const pruned = await fx.app.strapi
      .plugin('mail-server')
      .service('inbound-messages')
      .prune(Date.now() + 91 * 86_400_000);
    const left = await fx.inboundFor({});
    expect(pruned).toBe(rows.filter((r) => !unreviewed(r)).length);
    expect(left.map((r) => r.id)).toStrictEqual(rows.filter(unreviewed).map((r) => r.id));
    // Today nothing is old enough.
    expect(await fx.app.strapi.plugin('mail-server').service('inbound-messages').prune()).toBe(0);
  });
});

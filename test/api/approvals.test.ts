/**
 * Approvals by email reply, end to end on real parts: a request emails the approver (through
 * our provider, into Dovecot), the approver's reply goes through SMTP into the approvals
 * mailbox, and the inbox job decides — exactly once, only from the right approver.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import request from 'supertest';
import type { ParsedMail } from 'mailparser';
import type { TestStrapi } from '../helpers/strapi';
import { createAdmin, type AdminSession } from '../helpers/admin';
import { appendRaw, folderCounts, readMailbox } from '../helpers/mailbox';
import { sendReply } from '../helpers/replies';
import { ARTICLE, useApprovalsFixture } from '../helpers/approvals-fixture';
import type { MailStack, MailUser } from '../mailstack/types';

describe('approvals by email reply', () => {
  const fx = useApprovalsFixture();
  const { approvals, runInbox, draft, isPublished, notificationFor, inboundFor, ask } = fx;
  let stack: MailStack;
  let app: TestStrapi;
  let admin: AdminSession;
  let approver: MailUser;
  let editor: MailUser;
  let mailbox: MailUser;
  before(() => ({ stack, app, admin, approver, editor, mailbox } = fx));

  test('the notification carries the signed reference, Reply-To and auto-reply suppression', async () => {
    const { row, notification } = await ask('Notification check');
    assert.match(
      notification.messageId ?? '',
      new RegExp(`^<apr\\.${row.id}\\.0\\.[a-z2-7]{16}@example\\.test>$`)
    );
    assert.equal(notification.replyTo?.value[0]?.address, mailbox.address);
    assert.equal(notification.headers.get('auto-submitted'), 'auto-generated');
    assert.equal(notification.headers.get('x-auto-response-suppress'), 'All');
    assert.match(notification.text ?? '', /APPROVE or REJECT/);
    assert.match(notification.subject ?? '', /^Approval requested: Notification check \[Ref: APR-/);
  });

  test('a reply APPROVE publishes the entry, records the comment, files the message and answers', async () => {
    const { entry, row, notification } = await ask('To approve');
    await sendReply(stack, approver, mailbox.address, notification, 'APPROVE\n\nLooks good to me.');
    const report = await runInbox();
    assert.equal(report.applied, 1, JSON.stringify(report));
    assert.equal(await isPublished(entry.documentId), true);
    const decided = await approvals().findOne(row.id);
    assert.equal(decided.status, 'approved');
    assert.equal(decided.decisions[0].decision, 'approve');
    assert.equal(decided.decisions[0].comment, 'Looks good to me.');
    const counts = await folderCounts(stack, mailbox);
    assert.equal(counts.INBOX, 0, 'nothing left in the inbox');
    assert.ok((counts.Processed ?? 0) >= 1, 'filed in Processed');
    const answers = await readMailbox(stack, approver, {
      subject: 'Re: Approval requested: To approve',
    });
    assert.equal(answers.length, 1, 'the approver got a confirmation');
    assert.equal(answers[0]!.headers.get('auto-submitted'), 'auto-replied');
  });

  test('REJECT leaves the entry a draft with the comment', async () => {
    const { entry, row, notification } = await ask('To reject');
    await sendReply(stack, approver, mailbox.address, notification, 'REJECT typo in the title');
    await runInbox();
    const decided = await approvals().findOne(row.id);
    assert.equal(decided.status, 'rejected');
    assert.equal(decided.decisions[0].comment, 'typo in the title');
    assert.equal(await isPublished(entry.documentId), false);
  });

  test('the "all" policy needs every approver', async () => {
    const entry = await draft('Needs both');
    const row = await approvals().request({
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [approver.address, editor.address],
      policy: 'all',
    });
    await sendReply(
      stack,
      approver,
      mailbox.address,
      await notificationFor(approver, row.id),
      'Approved'
    );
    await runInbox();
    assert.equal((await approvals().findOne(row.id)).status, 'pending');
    assert.equal(await isPublished(entry.documentId), false);
    await sendReply(
      stack,
      editor,
      mailbox.address,
      await notificationFor(editor, row.id),
      'APPROVE'
    );
    await runInbox();
    assert.equal((await approvals().findOne(row.id)).status, 'approved');
    assert.equal(await isPublished(entry.documentId), true);
  });

  test('forged, altered, wrong-sender, replayed, late and stale replies decide nothing', async () => {
    const { entry, row, notification } = await ask('Hostile replies');
    const id = notification.messageId!;
    const altered = id.replace(
      /\.([a-z2-7])([a-z2-7]{15})@/,
      (_m, c: string, rest: string) => `.${c === 'a' ? 'b' : 'a'}${rest}@`
    );
    const forged = `<apr.${row.id}.0.aaaaaaaaaaaaaaaa@example.test>`;
    const cases: Array<[string, () => Promise<string>]> = [
      // Crafted without the original notification, which would carry the genuine reference.
      [
        'forged-reference',
        () =>
          sendReply(stack, approver, mailbox.address, notification, 'APPROVE', {
            inReplyTo: forged,
            references: forged,
            subject: `Re: [Ref: APR-${row.id}-0-aaaaaaaaaaaaaaaa]`,
            noQuote: true,
          }),
      ],
      [
        'forged-reference',
        () =>
          sendReply(stack, approver, mailbox.address, notification, 'APPROVE', {
            inReplyTo: altered,
            references: altered,
            subject: 'Re: hello',
            noQuote: true,
          }),
      ],
      ['wrong-sender', () => sendReply(stack, editor, mailbox.address, notification, 'APPROVE')],
      [
        'no-decision-line',
        () =>
          sendReply(
            stack,
            approver,
            mailbox.address,
            notification,
            'Let me check with legal first.'
          ),
      ],
    ];
    for (const [reason, send] of cases) {
      const messageId = await send();
      const report = await runInbox();
      assert.equal(report.applied, 0, reason);
      const [rowFor] = await inboundFor({ messageId });
      assert.equal(rowFor?.verdict, 'quarantined', reason);
      assert.equal(rowFor?.reason, reason);
    }
    assert.equal((await approvals().findOne(row.id)).status, 'pending');

    // The entry changes after the request: an approval no longer applies.
    await app.strapi.documents(ARTICLE).update({
      documentId: entry.documentId,
      data: { title: 'Hostile replies (edited)' } as never,
    });
    const stale = await sendReply(stack, approver, mailbox.address, notification, 'APPROVE');
    await runInbox();
    assert.equal((await inboundFor({ messageId: stale }))[0]?.reason, 'entry-changed');
    assert.equal(await isPublished(entry.documentId), false);

    // Expired.
    const late = await ask('Too late');
    await app.strapi.db
      .query('plugin::mail-server.approval-request')
      .update({ where: { id: late.row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const lateId = await sendReply(stack, approver, mailbox.address, late.notification, 'APPROVE');
    await runInbox();
    assert.equal((await approvals().findOne(late.row.id)).status, 'expired');
    assert.equal((await inboundFor({ messageId: lateId }))[0]?.verdict, 'quarantined');
    assert.equal(await isPublished(late.entry.documentId), false);
  });

  test('a replayed reply is filed again but never applied twice', async () => {
    const { row, notification } = await ask('Replay');
    const messageId = await sendReply(stack, approver, mailbox.address, notification, 'APPROVE');
    await runInbox();
    const [first] = await readMailbox(
      stack,
      mailbox,
      { subject: `Re: ${notification.subject}` },
      'Processed'
    );
    assert.ok(first, 'the accepted reply is in Processed');
    // The very same message arrives again (a resend, or a crash before the move).
    await appendRaw(stack, mailbox, (await rawOf(first)) ?? '');
    await runInbox();
    const decided = await approvals().findOne(row.id);
    assert.equal(decided.decisions.length, 1);
    assert.equal((await inboundFor({ messageId })).length, 1, 'one audit row per Message-ID');
    assert.equal((await folderCounts(stack, mailbox)).INBOX, 0, 'the replay was filed');
  });

  test('auto-replies and bounces quoting APPROVE are ignored, not decided', async () => {
    const { row, notification } = await ask('Robots');
    const autoReply = [
      `From: ${approver.address}`,
      `To: ${mailbox.address}`,
      `Subject: Automatic reply: ${notification.subject}`,
      `Message-ID: <ooo-${row.id}@example.test>`,
      `In-Reply-To: ${notification.messageId}`,
      'Auto-Submitted: auto-replied',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'APPROVE',
      'I am out of office until Monday.',
      '',
    ].join('\r\n');
    const dsn = [
      'From: Mail Delivery System <mailer-daemon@example.test>',
      `To: ${mailbox.address}`,
      'Subject: Undelivered Mail Returned to Sender',
      `Message-ID: <dsn-${row.id}@example.test>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'Delivery failed.',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; example.test',
      '',
      `Final-Recipient: rfc822; ${approver.address}`,
      'Action: failed',
      'Status: 5.1.1',
      '',
      '--b1',
      'Content-Type: message/rfc822',
      '',
      `From: ${approver.address}`,
      `Subject: Re: ${notification.subject}`,
      `In-Reply-To: ${notification.messageId}`,
      '',
      'APPROVE',
      '--b1--',
      '',
    ].join('\r\n');
    await appendRaw(stack, mailbox, autoReply);
    await appendRaw(stack, mailbox, dsn);
    const report = await runInbox();
    assert.equal(report.ignored, 2, JSON.stringify(report));
    assert.equal((await approvals().findOne(row.id)).status, 'pending');
    const counts = await folderCounts(stack, mailbox);
    assert.ok((counts.Ignored ?? 0) >= 2);
  });

  test('1000 malformed or hostile messages are each filed, without a crash', async () => {
    const junk: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const kind = i % 5;
      junk.push(
        kind === 0
          ? `Subject: broken ${i}\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nAPPROVE\r\n` // unterminated
          : kind === 1
            ? `X-Long: ${'a'.repeat(20_000)}\r\nSubject: long ${i}\r\n\r\nAPPROVE\r\n`
            : kind === 2
              ? `Subject: =?x-unknown?B?${Buffer.from('junk').toString('base64')}?=\r\nContent-Type: text/plain; charset=x-bogus\r\n\r\n\xff\xfe APPROVE ${i}\r\n`
              : kind === 3
                ? `From: nobody\r\nIn-Reply-To: <apr.999999.0.aaaaaaaaaaaaaaaa@example.test>\r\nSubject: Re: ${i}\r\n\r\nAPPROVE\r\n`
                : `\x00\x01\x02 garbage ${i} ${'\u2603'.repeat(50)}`
      );
    }
    for (let i = 0; i < junk.length; i += 50) {
      await Promise.all(junk.slice(i, i + 50).map((raw) => appendRaw(stack, mailbox, raw)));
    }
    let handled = 0;
    for (let pass = 0; pass < 5 && handled < 1000; pass++) handled += (await runInbox()).handled;
    assert.equal(handled, 1000);
    const counts = await folderCounts(stack, mailbox);
    assert.equal(counts.INBOX, 0, 'every message was filed');
  });

  test('admin API: request, simulate, accept and discard quarantined replies; RBAC', async () => {
    const api = (method: 'get' | 'post', path: string, token = admin.token) =>
      request(app.strapi.server.httpServer)
        [method](`/mail-server${path}`)
        .set('Authorization', `Bearer ${token}`);
    const bad = await api('post', '/approvals')
      .send({ uid: ARTICLE, documentId: 'x', approvers: ['not-an-address'] })
      .expect(400);
    assert.deepEqual(bad.body.error.details.errors[0].path, ['approvers', '0']);
    const entry = await draft('Via the API');
    const created = await api('post', '/approvals')
      .send({ uid: ARTICLE, documentId: entry.documentId, approvers: [approver.address] })
      .expect(200);
    const id = created.body.data.id as number;
    const notification = await notificationFor(approver, id);

    // The simulator says what would happen, and changes nothing.
    const raw = `From: ${approver.address}\r\nTo: ${mailbox.address}\r\nSubject: Re: ${notification.subject}\r\nMessage-ID: <sim-${id}@example.test>\r\nIn-Reply-To: ${notification.messageId}\r\n\r\nAPPROVE\r\n`;
    const simulated = await api('post', '/approvals/analyze').send({ raw }).expect(200);
    assert.equal(simulated.body.data.verdict, 'applied');
    assert.equal(simulated.body.data.request.id, id);
    assert.equal(simulated.body.data.analysis.decision, 'approve');
    assert.equal((await inboundFor({ messageId: `<sim-${id}@example.test>` })).length, 0);
    assert.equal((await approvals().findOne(id)).status, 'pending');

    // The approver answered from another address: quarantined, then accepted by an admin.
    const wrong = await sendReply(
      stack,
      editor,
      mailbox.address,
      notification,
      'APPROVE from my other address'
    );
    await api('post', '/approvals/inbox/run').expect(200);
    const listed = await api('get', '/inbound-messages?verdict=quarantined').expect(200);
    const row = listed.body.data.find((r: { messageId: string }) => r.messageId === wrong);
    assert.equal(row?.reason, 'wrong-sender');
    assert.ok(!('raw' in row), 'the raw message is not sent to the browser');
    await api('post', `/inbound-messages/${row.id}/accept`).expect(200);
    assert.equal((await approvals().findOne(id)).status, 'approved');
    assert.equal(await isPublished(entry.documentId), true);
    await api('post', `/inbound-messages/${row.id}/accept`).expect(400);

    const other = await ask('To discard');
    const junkId = await sendReply(stack, editor, mailbox.address, other.notification, 'APPROVE');
    await api('post', '/approvals/inbox/run').expect(200);
    const [junkRow] = await inboundFor({ messageId: junkId });
    const discarded = await api('post', `/inbound-messages/${junkRow.id}/discard`).expect(200);
    assert.match(discarded.body.data.resolution, /^discarded by /);
    assert.equal((await approvals().findOne(other.row.id)).status, 'pending');

    const editorSession = await createAdmin(app.strapi, 'strapi-editor');
    await api('get', '/approvals', editorSession.token).expect(403);
    await api('post', '/approvals', editorSession.token).send({}).expect(403);
    await api('post', `/inbound-messages/${junkRow.id}/accept`, editorSession.token).expect(403);
  });

  test('without IDLE, the cron tick decides at the poll interval, unattended', async () => {
    await request(app.strapi.server.httpServer)
      .put('/mail-server/settings')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({
        imap: {
          host: '127.0.0.1',
          username: mailbox.address,
          port: stack.imap.tlsPort,
          security: 'tls',
          pollInterval: 10,
        },
      })
      .expect(200);
    const { entry, notification } = await ask('By the cron');
    await sendReply(stack, approver, mailbox.address, notification, 'APPROVE');
    const deadline = Date.now() + 30_000;
    while (!(await isPublished(entry.documentId)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(await isPublished(entry.documentId), true, 'published by the scheduled job');
  });

  test('no password ever reached the logs', () => {
    const logs = app.logs();
    for (const user of stack.users) assert.ok(!logs.includes(user.password));
  });
});

async function rawOf(mail: ParsedMail): Promise<string | undefined> {
  // Rebuild a raw message with the same Message-ID and threading as the original reply.
  const header = (name: string) => mail.headers.get(name);
  const lines = [
    `From: ${mail.from?.text}`,
    `To: ${(Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text}`,
    `Subject: ${mail.subject}`,
    `Message-ID: ${mail.messageId}`,
    `In-Reply-To: ${header('in-reply-to')}`,
    `References: ${[header('references')].flat().join(' ')}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    mail.text ?? '',
  ];
  return lines.join('\r\n');
}

/**
 * Approvals by email reply, end to end on real parts: a request emails the approver (through
 * our provider, into Dovecot), the approver's reply goes through SMTP into the approvals
 * mailbox, and the inbox job decides — exactly once, only from the right approver.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { z } from 'zod';
import { simulationSchema } from '../../shared/contracts/approval';
import { inboundRowSchema } from '../../shared/contracts/inbound-message';
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
  beforeAll(() => {
    ({ stack, app, admin, approver, editor, mailbox } = fx);
  });

  test('the notification carries the signed reference, Reply-To and auto-reply suppression', async () => {
    const { row, notification } = await ask('Notification check');
    expect(notification.messageId ?? '').toMatch(
      new RegExp(`^<apr\\.${row.id}\\.0\\.[a-z2-7]{16}@example\\.test>$`)
    );
    expect(notification.replyTo?.value[0]?.address).toBe(mailbox.address);
    expect(notification.headers.get('auto-submitted')).toBe('auto-generated');
    expect(notification.headers.get('x-auto-response-suppress')).toBe('All');
    expect(notification.text ?? '').toMatch(/APPROVE or REJECT/);
    expect(notification.subject ?? '').toMatch(
      /^Approval requested: Notification check \[Ref: APR-/
    );
  });

  test('a reply APPROVE publishes the entry, records the comment, files the message and answers', async () => {
    const { entry, row, notification } = await ask('To approve');
    await sendReply(stack, approver, mailbox.address, notification, 'APPROVE\n\nLooks good to me.');
    const report = await runInbox();
    expect(report.applied).toBe(1);
    expect(await isPublished(entry.documentId)).toBe(true);
    const decided = await approvals().findOne(row.id);
    expect(decided.status).toBe('approved');
    expect(decided.decisions[0].decision).toBe('approve');
    expect(decided.decisions[0].comment).toBe('Looks good to me.');
    const counts = await folderCounts(stack, mailbox);
    expect(counts.INBOX).toBe(0); // nothing left in the inbox
    expect((counts.Processed ?? 0) >= 1).toBeTruthy(); // filed in Processed
    const answers = await readMailbox(stack, approver, {
      subject: 'Re: Approval requested: To approve',
    });
    expect(answers.length).toBe(1); // the approver got a confirmation
    expect(answers[0]!.headers.get('auto-submitted')).toBe('auto-replied');
  });

  test('REJECT leaves the entry a draft with the comment', async () => {
    const { entry, row, notification } = await ask('To reject');
    await sendReply(stack, approver, mailbox.address, notification, 'REJECT typo in the title');
    await runInbox();
    const decided = await approvals().findOne(row.id);
    expect(decided.status).toBe('rejected');
    expect(decided.decisions[0].comment).toBe('typo in the title');
    expect(await isPublished(entry.documentId)).toBe(false);
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
    expect((await approvals().findOne(row.id)).status).toBe('pending');
    expect(await isPublished(entry.documentId)).toBe(false);
    await sendReply(
      stack,
      editor,
      mailbox.address,
      await notificationFor(editor, row.id),
      'APPROVE'
    );
    await runInbox();
    expect((await approvals().findOne(row.id)).status).toBe('approved');
    expect(await isPublished(entry.documentId)).toBe(true);
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
      // From the approver's own login, but with someone else named as the Sender.
      [
        'wrong-sender',
        () =>
          sendReply(stack, approver, mailbox.address, notification, 'APPROVE', {
            headers: { Sender: editor.address },
          }),
      ],
      // From forged: the receiving server says who really logged in (Authentication-Results).
      [
        'unverified-sender',
        () =>
          sendReply(stack, editor, mailbox.address, notification, 'APPROVE', {
            fromHeader: approver.address,
          }),
      ],
      // …and a forged Authentication-Results in the name of our server is removed by it.
      [
        'unverified-sender',
        () =>
          sendReply(stack, editor, mailbox.address, notification, 'APPROVE', {
            fromHeader: approver.address,
            headers: {
              'Authentication-Results': `${stack.authservId}; auth=pass smtp.auth=${approver.address}`,
            },
          }),
      ],
      // Put in the mailbox without passing the receiving server: no proof at all.
      [
        'unverified-sender',
        async () => {
          const messageId = `<unproven-${row.id}@example.test>`;
          await appendRaw(
            stack,
            mailbox,
            `From: ${approver.address}\r\nTo: ${mailbox.address}\r\nSubject: Re: ${notification.subject}\r\nMessage-ID: ${messageId}\r\nIn-Reply-To: ${notification.messageId}\r\n\r\nAPPROVE\r\n`
          );
          return messageId;
        },
      ],
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
      expect(report.applied).toBe(0);
      const [rowFor] = await inboundFor({ messageId });
      expect(rowFor?.verdict).toBe('quarantined');
      expect(rowFor?.reason).toBe(reason);
    }
    expect((await approvals().findOne(row.id)).status).toBe('pending');

    // The entry changes after the request: an approval no longer applies.
    await app.strapi.documents(ARTICLE).update({
      documentId: entry.documentId,
      data: { title: 'Hostile replies (edited)' } as never,
    });
    const stale = await sendReply(stack, approver, mailbox.address, notification, 'APPROVE');
    await runInbox();
    expect((await inboundFor({ messageId: stale }))[0]?.reason).toBe('entry-changed');
    expect(await isPublished(entry.documentId)).toBe(false);

    // Expired.
    const late = await ask('Too late');
    await app.strapi.db
      .query('plugin::mail-server.approval')
      .update({ where: { id: late.row.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const lateId = await sendReply(stack, approver, mailbox.address, late.notification, 'APPROVE');
    await runInbox();
    expect((await approvals().findOne(late.row.id)).status).toBe('expired');
    expect((await inboundFor({ messageId: lateId }))[0]?.verdict).toBe('quarantined');
    expect(await isPublished(late.entry.documentId)).toBe(false);
  });

  test('"From header only" believes From, and the IMAP Test warns about it', async () => {
    const put = (imap: object) =>
      request(app.strapi.server.httpServer)
        .put('/mail-server/settings')
        .set('Authorization', `Bearer ${admin.token}`)
        .send({ imap: { ...fx.imapSettings(), ...imap } })
        .expect(200);
    const senderStep = async () => {
      const res = await request(app.strapi.server.httpServer)
        .post('/mail-server/connection-test/imap')
        .set('Authorization', `Bearer ${admin.token}`)
        .send({})
        .expect(200);
      return res.body.data.steps.find((s: { name: string }) => s.name === 'sender');
    };
    expect((await senderStep()).status).toBe('ok');
    await put({ senderCheck: 'from-header' });
    try {
      expect((await senderStep()).status).toBe('warning');
      const { entry, row, notification } = await ask('Believed on From');
      const messageId = `<from-only-${row.id}@example.test>`;
      await appendRaw(
        stack,
        mailbox,
        `From: ${approver.address}\r\nTo: ${mailbox.address}\r\nSubject: Re: ${notification.subject}\r\nMessage-ID: ${messageId}\r\nIn-Reply-To: ${notification.messageId}\r\n\r\nAPPROVE\r\n`
      );
      await runInbox();
      expect((await inboundFor({ messageId }))[0]?.verdict).toBe('applied');
      expect(await isPublished(entry.documentId)).toBe(true);
    } finally {
      await put({ senderCheck: 'verified' });
    }
    // Verified, but no source of proof named: the Test says every reply will be quarantined.
    await put({ authservId: '' });
    try {
      expect((await senderStep()).status).toBe('warning');
    } finally {
      await put({});
    }
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
    expect(first).toBeTruthy(); // the accepted reply is in Processed
    // The very same message arrives again (a resend, or a crash before the move).
    await appendRaw(stack, mailbox, (await rawOf(first)) ?? '');
    await runInbox();
    const decided = await approvals().findOne(row.id);
    expect(decided.decisions.length).toBe(1);
    expect((await inboundFor({ messageId })).length).toBe(1); // one audit row per Message-ID
    expect((await folderCounts(stack, mailbox)).INBOX).toBe(0); // the replay was filed
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
    expect(report.ignored).toBe(2);
    expect((await approvals().findOne(row.id)).status).toBe('pending');
    const counts = await folderCounts(stack, mailbox);
    expect((counts.Ignored ?? 0) >= 2).toBeTruthy();
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
    // Counted in the database: the cron tick may run a pass of its own meanwhile.
    const before = (await inboundFor({})).length;
    for (let pass = 0; pass < 5 && (await folderCounts(stack, mailbox)).INBOX; pass++) {
      await runInbox();
    }
    expect((await inboundFor({})).length - before).toBe(1000);
    const counts = await folderCounts(stack, mailbox);
    expect(counts.INBOX).toBe(0); // every message was filed
  });

  test('admin API: request, simulate, accept and discard quarantined replies; RBAC', async () => {
    const api = (method: 'get' | 'post', path: string, token = admin.token) =>
      request(app.strapi.server.httpServer)
        [method](`/mail-server${path}`)
        .set('Authorization', `Bearer ${token}`);
    const bad = await api('post', '/approvals')
      .send({ uid: ARTICLE, documentId: 'x', approvers: ['not-an-address'] })
      .expect(400);
    expect(bad.body.error.details.errors[0].path).toStrictEqual(['approvers', '0']);
    const entry = await draft('Via the API');
    const created = await api('post', '/approvals')
      .send({ uid: ARTICLE, documentId: entry.documentId, approvers: [approver.address] })
      .expect(200);
    const id = created.body.data.id as number;
    const notification = await notificationFor(approver, id);

    // The simulator says what would happen, and changes nothing.
    const raw = `Authentication-Results: ${stack.authservId}; auth=pass smtp.auth=${approver.address}\r\nFrom: ${approver.address}\r\nTo: ${mailbox.address}\r\nSubject: Re: ${notification.subject}\r\nMessage-ID: <sim-${id}@example.test>\r\nIn-Reply-To: ${notification.messageId}\r\n\r\nAPPROVE\r\n`;
    const simulated = await api('post', '/approvals/analyze').send({ raw }).expect(200);
    simulationSchema.parse(simulated.body.data); // the contract the admin page parses with
    expect(simulated.body.data.verdict).toBe('applied');
    expect(simulated.body.data.request.id).toBe(id);
    expect(simulated.body.data.analysis.decision).toBe('approve');
    expect((await inboundFor({ messageId: `<sim-${id}@example.test>` })).length).toBe(0);
    expect((await approvals().findOne(id)).status).toBe('pending');

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
    z.array(inboundRowSchema).parse(listed.body.data);
    const row = listed.body.data.find((r: { messageId: string }) => r.messageId === wrong);
    expect(row?.reason).toBe('wrong-sender');
    expect(!('raw' in row)).toBeTruthy(); // the raw message is not sent to the browser
    // Neither this list nor the delivery log gives away a reference's signature.
    const signed = /APR-\d+-\d+-[a-z2-7]{16}|apr\.\d+\.\d+\.[a-z2-7]{16}@/i;
    expect(row.subject).toContain(`APR-${id}-0-…`);
    expect(signed.test(JSON.stringify(listed.body))).toBe(false);
    await app.strapi.plugin('mail-server').service('outbound-messages').flush();
    const log = await api('get', '/outbound-messages?pageSize=100').expect(200);
    const sentRequest = log.body.data.find((r: { subject: string }) =>
      r.subject.includes(`APR-${id}-0-`)
    );
    expect(sentRequest?.messageId).toMatch(new RegExp(`^<apr\\.${id}\\.0\\.…@`));
    expect(signed.test(JSON.stringify(log.body))).toBe(false);
    await api('post', `/inbound-messages/${row.id}/accept`).expect(200);
    expect((await approvals().findOne(id)).status).toBe('approved');
    expect(await isPublished(entry.documentId)).toBe(true);
    const again = await api('post', `/inbound-messages/${row.id}/accept`).expect(409);
    expect(again.body.error.details.code).toBe('ENOTQUARANTINED');

    const other = await ask('To discard');
    const junkId = await sendReply(stack, editor, mailbox.address, other.notification, 'APPROVE');
    await api('post', '/approvals/inbox/run').expect(200);
    const [junkRow] = await inboundFor({ messageId: junkId });
    const discarded = await api('post', `/inbound-messages/${junkRow.id}/discard`).expect(200);
    expect(discarded.body.data.resolution).toMatch(/^discarded by /);
    expect((await approvals().findOne(other.row.id)).status).toBe('pending');

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
          authservId: stack.authservId,
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
    expect(await isPublished(entry.documentId)).toBe(true); // published by the scheduled job
  });

  test('no password ever reached the logs', () => {
    const logs = app.logs();
    for (const user of stack.users) expect(!logs.includes(user.password)).toBeTruthy();
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

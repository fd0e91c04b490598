/**
 * The request email as the approver gets it, end to end on real parts: it shows the entry
 * (escaped), what changed since the published version, in the approver's admin language; and
 * its Approve / Reject buttons are mailto: links whose reply — exactly the subject and body the
 * link describes, sent from the approver's account through the test SMTP server, with no
 * In-Reply-To or References, as a phone's mail app sends it — decides the request.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import { findAll, getAttributeValue, textContent } from 'domutils';
import type { Element } from 'domhandler';
import { button, elements, htmlOf, sendAsMailApp } from '../helpers/mailto';
import type { ParsedMail } from 'mailparser';
import { ARTICLE, useApprovalsFixture } from '../helpers/approvals-fixture';
import { readMailbox, waitForMail } from '../helpers/mailbox';
import type { MailStack, MailUser } from '../mailstack/types';

const HOSTILE = [
  '**Bold** <script>alert(1)</script> <img src=x onerror=alert(2)>',
  '',
  '[click](javascript:alert(3)) and [fine](https://example.org/ok)',
  '',
  'APR-1-0-aaaaaaaaaaaaaaaa',
].join('\n');

describe('the request email', () => {
  const fx = useApprovalsFixture();
  const { approvals, runInbox, isPublished, notificationFor, inboundFor } = fx;
  let stack: MailStack;
  let approver: MailUser;
  let mailbox: MailUser;
  beforeAll(() => {
    ({ stack, approver, mailbox } = fx);
  });

  async function requestFor(title: string, body = 'Plain body') {
    const entry = (await fx.app.strapi.documents(ARTICLE).create({ data: { title, body } })) as {
      documentId: string;
    };
    const row = await approvals().request({
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [approver.address],
    });
    return { entry, row, notification: await notificationFor(approver, row.id) };
  }

  test('the Approve button writes a reply that publishes the entry, matched by its Ref alone', async () => {
    const { entry, row, notification } = await requestFor('Mailto approve');
    const link = button(notification, 'APPROVE');
    expect(link.to).toBe(mailbox.address);
    expect(link.subject).toBe(`Re: ${notification.subject}`);
    expect(link.subject).toMatch(new RegExp(`\\[Ref: APR-${row.id}-0-[a-z2-7]{16}\\]$`));
    expect(link.body).toBe('APPROVE\r\n\r\n');
    // RFC 6068: spaces as %20 (never "+"), line breaks as %0D%0A.
    expect(link.href).not.toContain('+');
    expect(link.href).toContain('body=APPROVE%0D%0A%0D%0A');

    const messageId = await sendAsMailApp(stack, approver, link);
    const report = await runInbox();
    expect(report.applied).toBe(1);
    const [inbound] = await inboundFor({ messageId });
    expect(inbound?.verdict).toBe('applied');
    const decided = await approvals().findOne(row.id);
    expect(decided.status).toBe('approved');
    expect(decided.decisions[0].decision).toBe('approve');
    expect(await isPublished(entry.documentId)).toBe(true);
  });

  test('the Reject button, in the approver’s language (fr), rejects', async () => {
    const users = fx.app.strapi.db.query('admin::user');
    await users.update({ where: { email: approver.address }, data: { preferedLanguage: 'fr' } });
    try {
      const { entry, row, notification } = await requestFor('Mailto reject');
      expect(getAttributeValue(elements(htmlOf(notification), 'html')[0]!, 'lang')).toBe('fr');
      // The subject is translated, the reference is the same token.
      expect(notification.subject).not.toMatch(/^Approval requested/);
      expect(notification.subject).toMatch(new RegExp(`\\[Ref: APR-${row.id}-0-[a-z2-7]{16}\\]$`));
      const link = button(notification, 'REJECT');
      expect(link.body).toBe('REJECT\r\n\r\n');
      await sendAsMailApp(stack, approver, { ...link, body: `${link.body}Pas encore.\r\n` });
      await runInbox();
      const decided = await approvals().findOne(row.id);
      expect(decided.status).toBe('rejected');
      expect(decided.decisions[0].comment).toBe('Pas encore.');
      expect(await isPublished(entry.documentId)).toBe(false);
    } finally {
      await users.update({ where: { email: approver.address }, data: { preferedLanguage: null } });
    }
  });

  test('the entry is shown escaped, links only to the web, with the Ref line and the admin link', async () => {
    const { row, notification } = await requestFor('Hostile <b>title</b>', HOSTILE);
    const doc = htmlOf(notification);
    // Nothing of the entry became markup: no script or image element, no javascript: link.
    expect(elements(doc, 'script')).toHaveLength(0);
    expect(elements(doc, 'img')).toHaveLength(0);
    const hrefs = elements(doc, 'a').map((a) => getAttributeValue(a, 'href') ?? '');
    expect(hrefs.filter((h) => !/^(https?|mailto):/.test(h))).toEqual([]);
    expect(hrefs).toContain('https://example.org/ok');
    const text = textContent(doc);
    expect(text).toContain('<script>alert(1)</script>');
    expect(text).toContain('Hostile <b>title</b>');
    expect(elements(doc, 'strong').map((e) => textContent(e))).toContain('Bold');
    // A reference typed into the entry never reads as one: only the request's own is found.
    const refs = (notification.text ?? '').match(/(?<![A-Za-z0-9_])APR-[A-Za-z0-9_-]+/g) ?? [];
    expect(new Set(refs).size).toBe(1);
    expect(notification.text ?? '').toMatch(new RegExp(`^Ref: APR-${row.id}-0-[a-z2-7]{16}$`, 'm'));
    // Light and dark: the colour-scheme meta is there.
    const metas = elements(doc, 'meta').map((m) => getAttributeValue(m, 'name'));
    expect(metas).toContain('color-scheme');
    // The link to the entry uses Strapi's public admin URL.
    const admin = String(fx.app.strapi.config.get('admin.absoluteUrl'));
    const link = `${admin}/content-manager/collection-types/${ARTICLE}/${row.targetDocumentId}`;
    expect(hrefs).toContain(link);
    expect(notification.text ?? '').toContain(link);
  });

  test('what changed since the published version is shown field by field', async () => {
    const docs = fx.app.strapi.documents(ARTICLE);
    const entry = (await docs.create({ data: { title: 'Old title', body: 'Same body' } })) as {
      documentId: string;
    };
    await docs.publish({ documentId: entry.documentId });
    await docs.update({ documentId: entry.documentId, data: { title: 'New title' } } as never);
    const row = await approvals().request({
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [approver.address],
    });
    const notification = await notificationFor(approver, row.id);
    const doc = htmlOf(notification);
    const cells = (cls: string) =>
      findAll(
        (e: Element) => e.name === 'td' && getAttributeValue(e, 'class') === cls,
        doc.children
      ).map((e) => textContent(e));
    expect(cells('before')).toHaveLength(1);
    expect(cells('before')[0]).toContain('Old title');
    expect(cells('after')[0]).toContain('New title');
    expect(notification.text ?? '').toMatch(/Old title\n.*New title/);
  });

  test('the requester is told of the decision, in the transaction that recorded it', async () => {
    const entry = await fx.draft('Tell the requester');
    const row = await approvals().request(
      { uid: ARTICLE, documentId: entry.documentId, approvers: [approver.address] },
      { email: fx.editor.address }
    );
    const link = button(await notificationFor(approver, row.id), 'APPROVE');
    await sendAsMailApp(stack, approver, { ...link, body: `${link.body}Nice work.\r\n` });
    await runInbox();
    expect((await approvals().findOne(row.id)).status).toBe('approved');
    const [notice] = await waitForMail(stack, fx.editor, { subject: 'Tell the requester' });
    expect(notice).toBeDefined();
    expect(notice!.headers.get('auto-submitted')).toBe('auto-generated');
    // Answering it reaches the approver, not the approvals mailbox.
    expect(notice!.replyTo?.value[0]?.address).toBe(approver.address);
    expect(notice!.text ?? '').toContain(approver.address);
    expect(notice!.text ?? '').toContain('Nice work.');
    // No reference in it: a reply to the notice can decide nothing.
    expect(`${notice!.subject} ${notice!.text}`).not.toMatch(/APR-\d/);
  });

  test('a reminder before the expiry goes once, only to approvers who have not answered', async () => {
    const entry = await fx.draft('Remind me');
    const row = await approvals().request({
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [approver.address, fx.editor.address],
      policy: 'all',
      expiresIn: 4 * 3600,
    });
    // The editor answers; the approver does not.
    const editorLink = button(await notificationFor(fx.editor, row.id), 'APPROVE');
    await sendAsMailApp(stack, fx.editor, editorLink);
    await runInbox();
    expect((await approvals().findOne(row.id)).decisions).toHaveLength(1);

    // Too early (less than half its life gone): nothing.
    expect(await approvals().remindDue(new Date(Date.now() + 60_000))).toBe(0);
    // Three hours on, within the default 24 h: two instances at once remind exactly once.
    const later = new Date(Date.now() + 3 * 3600_000);
    const counts = await Promise.all([approvals().remindDue(later), approvals().remindDue(later)]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await approvals().remindDue(later)).toBe(0);
    await fx.app.strapi.plugin('mail-server').service('outbox').flush();

    const reminders = (
      await waitForMail(stack, approver, { subject: `Ref: APR-${row.id}-0-` })
    ).filter((m) => m.messageId !== undefined && !/^<apr\./.test(m.messageId));
    expect(reminders).toHaveLength(1);
    // Request and reminder: two messages carry the approver's Ref.
    expect(await readMailbox(stack, approver, { subject: `Ref: APR-${row.id}-0-` })).toHaveLength(
      2
    );
    expect(reminders[0]!.inReplyTo).toMatch(new RegExp(`^<apr\\.${row.id}\\.0\\.`));
    // The editor, who answered, has the request and our answer to their reply; no reminder.
    const editorMails = await readMailbox(stack, fx.editor, { subject: `Ref: APR-${row.id}-1-` });
    expect(editorMails.filter((m) => !/^Re:/.test(m.subject ?? ''))).toHaveLength(1);

    // Its Approve button decides like the request's.
    const link = button(reminders[0]!, 'APPROVE');
    await sendAsMailApp(stack, approver, link);
    await runInbox();
    expect((await approvals().findOne(row.id)).status).toBe('approved');
    expect(await isPublished(entry.documentId)).toBe(true);
  });
});

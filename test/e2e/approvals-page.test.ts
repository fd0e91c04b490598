/**
 * Approvals in a real browser: an editor requests approval from the Content Manager's side
 * panel (the notification goes out through the real mail stack), sees the pending request,
 * finds it on the Approvals page, and pastes the approver's reply into the decision simulator;
 * then an admin accepts one quarantined reply, discards another and cancels a request.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { expectTruthy } from '../helpers/expect';
import { diagnostic } from '../helpers/diagnostic';
import request from 'supertest';
import type { ParsedMail } from 'mailparser';
import { screenshot } from '../helpers/browser';
import { readMailbox, waitForMail } from '../helpers/mailbox';
import { quoted, sendReply } from '../helpers/replies';
import { oauthSections, registerApp } from '../helpers/oauth2';
import { startFixture, type SettingsFixture } from './fixture';
import { seriousA11yViolations } from '../helpers/axe';
import { useStackMailbox } from './approvals-setup';
import { redactRefs } from '../../server/src/mail/reply/token';

const ARTICLE = 'api::article.article';
/** The page's refresh period while a request is pending (admin/src/hooks/useApprovals.ts). */
const PENDING_REFRESH_MS = 4000;

describe('Approvals in the browser: request, list, simulate, quarantine, cancel', () => {
  let f: SettingsFixture;

  beforeAll(async () => {
    f = await startFixture();
    await useStackMailbox(f);
  });
  afterAll(async () => {
    await f?.stop();
  });

  type Asked = Awaited<ReturnType<typeof ask>>;
  /** A request for a new entry, from the service; the notification the approver got. */
  async function ask(title: string) {
    const entry = (await f.app.strapi.documents(ARTICLE).create({ data: { title } })) as {
      documentId: string;
    };
    const row = await f.app.strapi
      .plugin('mail-server')
      .service('approvals')
      .request({
        uid: ARTICLE,
        documentId: entry.documentId,
        approvers: [f.reader.address],
      });
    const [notification] = await waitForMail(f.stack, f.reader, {
      subject: `Ref: APR-${row.id}-`,
    });
    expectTruthy(notification);
    return { title, entry, row: row as { id: number }, notification };
  }

  /** Strapi's toast with this text. */
  const toast = (text: string) => f.page.getByText(text, { exact: true }).first().waitFor();

  /** axe-core in the page as it is now, whole document: no serious or critical violation. */
  async function expectNoSeriousA11yViolations(what: string) {
    const violations = await seriousA11yViolations(f.page);
    if (violations.length) diagnostic(`${what}: ${violations.join('\n')}`);
    expect(violations).toStrictEqual([]);
  }

  test('request approval from the panel, see it listed, simulate the reply', async () => {
    diagnostic(
      f.build.rebuilt ? `admin panel built in ${f.build.ms} ms` : 'admin panel up to date'
    );
    const { page, reader: approver } = f;
    const title = `Approval e2e ${Date.now()}`;
    const entry = (await f.app.strapi.documents(ARTICLE).create({ data: { title } })) as {
      documentId: string;
    };

    // The edit view's side panel.
    await page.goto(
      f.url(`/admin/content-manager/collection-types/${ARTICLE}/${entry.documentId}`)
    );
    await page.getByText('Request approval by email').waitFor();
    await page.getByText('No approval requested yet.').waitFor();
    await page.getByRole('textbox', { name: /^Approvers/ }).fill(approver.address);
    await page.getByLabel('Note', { exact: true }).fill('Please check the intro');
    await page.getByLabel('Expires after (days)').fill('3');
    await page.getByRole('button', { name: 'Request approval', exact: true }).click();
    await page
      .getByText('Approval requested: the approvers were emailed')
      .first()
      .waitFor()
      .catch(async (err) => {
        await screenshot(page, 'approvals-page-failure');
        throw err;
      });
    const panelList = page.getByRole('list', { name: 'Approval requests of this entry' });
    await panelList.getByText('Pending').waitFor();

    const res = await request(f.app.strapi.server.httpServer)
      .get('/mail-server/approvals')
      .query({ uid: ARTICLE, documentId: entry.documentId })
      .set('Authorization', `Bearer ${f.api.token}`)
      .expect(200);
    expect(res.body.data.length).toBe(1);
    const row = res.body.data[0] as { id: number; status: string; approvers: string[] };
    expect(row.status).toBe('pending');
    expect(row.approvers).toStrictEqual([approver.address.toLowerCase()]);

    // The Approvals page, from the main menu.
    await page.getByRole('link', { name: 'Approvals' }).first().click();
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    const item = page
      .getByRole('list', { name: 'Requests' })
      .getByRole('listitem', { name: `Request ${row.id}: ${title}` });
    await item.waitFor();
    await item.getByText('Please check the intro', { exact: false }).waitFor();
    await item.getByRole('button', { name: 'Cancel request' }).waitFor();
    await page.getByRole('button', { name: 'Check the mailbox now' }).waitFor();
    await page.getByRole('region', { name: 'Quarantine' }).waitFor();

    // The approver's reply, pasted into the simulator.
    let notification: ParsedMail | undefined;
    for (let i = 0; i < 50 && !notification; i++) {
      [notification] = await readMailbox(f.stack, approver, { subject: `Ref: APR-${row.id}-` });
      if (!notification) await new Promise((r) => setTimeout(r, 200));
    }
    expectTruthy(notification); // the approver was notified
    const raw = [
      `From: ${approver.address}`,
      `To: ${notification.replyTo?.text ?? notification.from?.text ?? ''}`,
      `Subject: Re: ${notification.subject ?? ''}`,
      `Message-ID: <sim-${Date.now()}@example.test>`,
      `In-Reply-To: ${notification.messageId ?? ''}`,
      `References: ${notification.messageId ?? ''}`,
      `Date: ${new Date().toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Approved, looks good.',
      '',
      quoted(notification),
    ].join('\r\n');
    const expected = await request(f.app.strapi.server.httpServer)
      .post('/mail-server/approvals/analyze')
      .send({ raw })
      .set('Authorization', `Bearer ${f.api.token}`)
      .expect(200);
    const verdict = String(expected.body.data.verdict);

    const simulator = page.getByRole('region', { name: 'Decision simulator' });
    await simulator.getByLabel('Raw message').fill(raw);
    await simulator.getByRole('button', { name: 'Analyze' }).click();
    const analysis = simulator.getByLabel('Analysis');
    await analysis.getByText('Verdict', { exact: true }).waitFor();
    await analysis.getByText(verdict, { exact: true }).waitFor();
    await analysis.getByText(`#${row.id} · ${title} (pending)`).waitFor();
    await screenshot(page, 'approvals-page');

    // Simulating applied nothing.
    const after = await request(f.app.strapi.server.httpServer)
      .get('/mail-server/approvals')
      .query({ uid: ARTICLE, documentId: entry.documentId })
      .set('Authorization', `Bearer ${f.api.token}`)
      .expect(200);
    expect(after.body.data[0].status).toBe('pending');
  });

  test('every request in sight, its entry linked; reasons in words; confirm and toast on accept, discard, cancel; the audit trail; replies by verdict; axe', async () => {
    const { page, reader: approver, sender: colleague } = f;
    const approvals = f.app.strapi.plugin('mail-server').service('approvals');
    const mailbox = f.stack.users.find((u) => u.address.startsWith('mailbox@'))!.address;
    const stamp = Date.now();
    const toAccept = await ask(`Accept me ${stamp}`);
    const toDiscard = await ask(`Discard me ${stamp}`);
    const toCancel = await ask(`Cancel me ${stamp}`);
    const approved = await ask(`Approved by reply ${stamp}`);
    // The approver answers from another address: both replies are quarantined (wrong sender);
    // one more from their own: applied.
    for (const { notification } of [toAccept, toDiscard]) {
      await sendReply(f.stack, colleague, mailbox, notification, 'APPROVE');
    }
    await sendReply(f.stack, approver, mailbox, approved.notification, 'APPROVE');

    await page.goto(f.url('/admin/plugins/mail-server'));
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Check the mailbox now' }).click();
    await toast('The mailbox was checked');
    const quarantine = page.getByRole('list', { name: 'Quarantine' });
    const held = (t: { notification: ParsedMail }) =>
      // Listed without the reference's signature (it is half of a forged decision).
      quarantine.getByRole('listitem', { name: `Re: ${redactRefs(t.notification.subject ?? '')}` });
    // The reason in words, with what it means.
    await held(toAccept).getByText('Reason: Wrong sender').waitFor();
    await held(toDiscard).getByText('Sent from another address', { exact: false }).waitFor();
    expect(await held(toAccept).getByText('wrong-sender').count()).toBe(0);

    // The default view is every request: the one approved a moment ago is listed, marked.
    const requests = page.getByRole('list', { name: 'Requests' });
    const item = (t: Asked) =>
      requests.getByRole('listitem', { name: `Request ${t.row.id}: ${t.title}` });
    await item(approved).getByText('Approved', { exact: true }).waitFor();
    await item(toCancel).getByText('Pending', { exact: true }).waitFor();
    // The entry's title links to its edit view; the content type is named.
    const link = item(approved).getByRole('link', { name: approved.title });
    expect(await link.getAttribute('href')).toBe(
      `/admin/content-manager/collection-types/${ARTICLE}/${approved.entry.documentId}`
    );
    await item(approved).getByText('Article', { exact: false }).first().waitFor();

    // Replies received: the applied one and the held ones, filtered by verdict.
    const repliesRegion = page.getByRole('region', { name: 'Replies received' });
    const replies = repliesRegion.getByRole('list', { name: 'Replies received' });
    const fromApprover = replies.getByRole('listitem', {
      name: new RegExp(`from ${approver.address}$`, 'i'),
    });
    const fromColleague = replies.getByRole('listitem', {
      name: new RegExp(`from ${colleague.address}$`, 'i'),
    });
    await fromApprover.first().getByText('Applied', { exact: true }).waitFor();
    await fromColleague.first().getByText('Quarantined', { exact: true }).waitFor();
    await repliesRegion.getByRole('combobox', { name: 'Verdict' }).click();
    await page.getByRole('option', { name: 'Quarantined' }).click();
    await fromApprover.first().waitFor({ state: 'detached' });
    expect(await fromColleague.count()).toBe(2);

    // Accept: asked first, then done and told.
    await held(toAccept).getByRole('button', { name: 'Accept' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Accept this reply?' });
    await dialog.waitFor();
    await expectNoSeriousA11yViolations('approvals page, list, replies and dialog');
    await dialog.getByRole('button', { name: 'Accept the reply' }).click();
    await toast('The reply was accepted and its decision applied');
    await held(toAccept).waitFor({ state: 'detached' });
    // Discard: going back changes nothing; confirming discards.
    await held(toDiscard).getByRole('button', { name: 'Discard' }).click();
    const discard = page.getByRole('alertdialog', { name: 'Discard this reply?' });
    await discard.getByRole('button', { name: 'Go back' }).click();
    await discard.waitFor({ state: 'detached' });
    await held(toDiscard).waitFor();
    await held(toDiscard).getByRole('button', { name: 'Discard' }).click();
    await discard.getByRole('button', { name: 'Discard the reply' }).click();
    await toast('The reply was discarded');
    await held(toDiscard).waitFor({ state: 'detached' });
    // Cancel: the request stays listed, cancelled.
    await item(toCancel).getByRole('button', { name: 'Cancel request' }).click();
    await page
      .getByRole('alertdialog', { name: 'Cancel this request?' })
      .getByRole('button', { name: 'Cancel the request' })
      .click();
    await toast('The request was cancelled');
    await item(toCancel).getByText('Cancelled', { exact: true }).waitFor();
    await screenshot(page, 'approvals-quarantine');

    // The audit trail says who decided and who vouched for the reply.
    const inbound = await f.app.strapi.db
      .query('plugin::mail-server.inbound-message')
      .findMany({ where: { requestId: { $in: [toAccept.row.id, toDiscard.row.id] } } });
    const byRequest = new Map(
      inbound.map((r: { requestId: number; resolution: string | null }) => [r.requestId, r])
    );
    const acceptedBy = /^accepted by (\S+)/.exec(
      String(byRequest.get(toAccept.row.id)?.resolution)
    )?.[1];
    expectTruthy(acceptedBy);
    const trail = item(toAccept).getByRole('list', { name: 'Audit trail' });
    await trail
      .getByText(
        `Approved by ${approver.address.toLowerCase()} — reply from ${colleague.address.toLowerCase()} accepted by admin ${acceptedBy}`,
        { exact: false }
      )
      .waitFor();
    await trail.getByText(`accepted by ${acceptedBy}`, { exact: false }).last().waitFor();
    await item(toDiscard)
      .getByRole('list', { name: 'Audit trail' })
      .getByText('discarded by', { exact: false })
      .waitFor();

    // What the clicks did, read back from the server.
    const status = async (id: number) => (await approvals.findOne(id)).status;
    expect(await status(toAccept.row.id)).toBe('approved');
    const published = await f.app.strapi
      .documents(ARTICLE)
      .findOne({ documentId: toAccept.entry.documentId, status: 'published' } as never);
    expect(published).toBeTruthy(); // the accepted decision published the entry
    expect(await status(toDiscard.row.id)).toBe('pending'); // a discarded reply decides nothing
    expect(await status(toCancel.row.id)).toBe('cancelled');
    expect(String(byRequest.get(toDiscard.row.id)?.resolution)).toMatch(/^discarded by /);
  });

  test('a request decided while the page is open updates without a reload', async () => {
    const { page, reader: approver } = f;
    const mailbox = f.stack.users.find((u) => u.address.startsWith('mailbox@'))!.address;
    const live = await ask(`Live ${Date.now()}`);
    await page.goto(f.url('/admin/plugins/mail-server'));
    const item = page
      .getByRole('list', { name: 'Requests' })
      .getByRole('listitem', { name: `Request ${live.row.id}: ${live.title}` });
    await item.getByText('Pending', { exact: true }).waitFor();
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => navigations.push(frame.url()));
    // Decided behind the page's back: the approver replies, the inbox job runs on the server.
    await sendReply(f.stack, approver, mailbox, live.notification, 'APPROVE');
    await f.app.strapi.plugin('mail-server').service('inbox').run();
    await item.getByText('Approved', { exact: true }).waitFor({ timeout: 15_000 });
    await item
      .getByRole('list', { name: 'Audit trail' })
      .getByText(`Approved by ${approver.address.toLowerCase()} on`, { exact: false })
      .waitFor();
    expect(navigations).toStrictEqual([]);

    // Nothing pending in sight (Approved only): the page stops asking.
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Approved' }).click();
    await item.getByText('Approved', { exact: true }).waitFor();
    const polls: string[] = [];
    page.on('request', (req) => {
      if (/\/mail-server\/(approvals|inbound-messages)/.test(req.url())) polls.push(req.url());
    });
    await page.waitForTimeout(3 * PENDING_REFRESH_MS);
    expect(polls).toStrictEqual([]);
  });

  test('a failed action is told in words from its code (cancelled meanwhile: ENOTPENDING)', async () => {
    const { page } = f;
    const raced = await ask(`Raced ${Date.now()}`);
    await page.goto(f.url('/admin/plugins/mail-server'));
    const item = page
      .getByRole('list', { name: 'Requests' })
      .getByRole('listitem', { name: `Request ${raced.row.id}: ${raced.title}` });
    await item.getByRole('button', { name: 'Cancel request' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Cancel this request?' });
    await dialog.waitFor();
    // Someone else cancels it while the dialog is open.
    await f.app.strapi.plugin('mail-server').service('approvals').cancel(raced.row.id);
    await dialog.getByRole('button', { name: 'Cancel the request' }).click();
    await toast('The action failed: The request is no longer pending.');
    await item.getByText('Cancelled', { exact: true }).waitFor();
  });

  test('read through Microsoft Graph: "Read through" Graph, Save, Test IMAP; a reply read through Graph decides the request', async () => {
    const { page, reader: approver } = f;
    const mailbox = f.stack.users.find((u) => u.address.startsWith('mailbox@'))!;
    const client = registerApp(f.stack, {
      mailbox: mailbox.address,
      graphRoles: ['Mail.ReadWrite'],
    });
    // OAuth2 over IMAP, as the tenant had it before turning IMAP off.
    const { imap } = oauthSections(f.stack, client);
    await f.saveThroughApi({ imap: { ...imap, authservId: f.stack.authservId } });
    await f.openSettingsPage();
    const section = f.imap();
    const { host, port } = await f.useGraph(section, 'Read through', client.clientSecret);
    expect(await section.getByRole('combobox', { name: 'Security' }).count()).toBe(0);
    await f.save();
    expect((await f.savedSettings()).imap).toMatchObject({
      transport: 'graph',
      host,
      port,
    });
    await section.getByRole('button', { name: 'Test IMAP' }).click();
    for (const name of ['Authenticate', 'Open the mailbox', 'Processed folder'])
      await f.step(section, name, 'OK').waitFor();
    await screenshot(page, 'settings-graph-read');

    // A request, the approver's reply through SMTP, "Check the mailbox now" reads it via Graph.
    const title = `Graph e2e ${Date.now()}`;
    const entry = (await f.app.strapi.documents(ARTICLE).create({ data: { title } })) as {
      documentId: string;
    };
    const approvals = f.app.strapi.plugin('mail-server').service('approvals');
    const row = await approvals.request({
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [approver.address],
    });
    // Sent through the outbox once the request's transaction commits.
    const [notification] = await waitForMail(f.stack, approver, {
      subject: `Ref: APR-${row.id}-`,
    });
    expectTruthy(notification);
    await sendReply(f.stack, approver, mailbox.address, notification, 'APPROVE');
    const before = f.stack.graph.stats();
    await page.goto(f.url('/admin/plugins/mail-server'));
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    const item = page
      .getByRole('list', { name: 'Requests' })
      .getByRole('listitem', { name: `Request ${row.id}: ${title}` });
    await item.waitFor();
    await page.getByRole('button', { name: 'Check the mailbox now' }).click();
    await item.getByText('Approved', { exact: true }).waitFor(); // decided, still listed
    expect((await approvals.findOne(row.id)).status).toBe('approved');
    const published = await f.app.strapi
      .documents(ARTICLE)
      .findOne({ documentId: entry.documentId, status: 'published' } as never);
    expect(published).toBeTruthy();
    const after = f.stack.graph.stats();
    expect([after.fetched > before.fetched, after.moved > before.moved]).toStrictEqual([
      true,
      true,
    ]);
  });
});

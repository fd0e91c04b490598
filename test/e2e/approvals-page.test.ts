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
import { ensureApprover } from '../helpers/admin';
import { readMailbox, waitForMail } from '../helpers/mailbox';
import { quoted, sendReply } from '../helpers/replies';
import { oauthSections, registerApp } from '../helpers/oauth2';
import { startFixture, type SettingsFixture } from './fixture';
import { redactRefs } from '../../server/src/mail/reply/token';

const ARTICLE = 'api::article.article';

describe('Approvals in the browser: request, list, simulate, quarantine, cancel', () => {
  let f: SettingsFixture;

  beforeAll(async () => {
    f = await startFixture();
    await ensureApprover(f.app.strapi, f.reader.address);
    const mailbox = f.stack.users.find((u) => u.address.startsWith('mailbox@'))!;
    const server = { host: '127.0.0.1', username: mailbox.address, password: mailbox.password };
    await f.saveThroughApi({
      smtp: {
        ...server,
        port: f.stack.smtp.port,
        security: 'starttls',
        fromName: 'Strapi',
        fromAddress: mailbox.address,
      },
      imap: {
        ...server,
        port: f.stack.imap.tlsPort,
        security: 'tls',
        authservId: f.stack.authservId,
      },
    });
  });
  afterAll(async () => {
    await f?.stop();
  });

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

  test('quarantine: accept one reply, discard another; cancel a request', async () => {
    const { page, reader: approver, sender: colleague } = f;
    const approvals = f.app.strapi.plugin('mail-server').service('approvals');
    const ask = async (title: string) => {
      const entry = (await f.app.strapi.documents(ARTICLE).create({ data: { title } })) as {
        documentId: string;
      };
      const row = await approvals.request({
        uid: ARTICLE,
        documentId: entry.documentId,
        approvers: [approver.address],
      });
      const [notification] = await waitForMail(f.stack, approver, {
        subject: `Ref: APR-${row.id}-`,
      });
      expectTruthy(notification);
      return { entry, row, notification };
    };
    const mailbox = f.stack.users.find((u) => u.address.startsWith('mailbox@'))!.address;
    const stamp = Date.now();
    const toAccept = await ask(`Accept me ${stamp}`);
    const toDiscard = await ask(`Discard me ${stamp}`);
    const toCancel = await ask(`Cancel me ${stamp}`);
    // The approver answers from another address: both replies are quarantined (wrong sender).
    for (const { notification } of [toAccept, toDiscard]) {
      await sendReply(f.stack, colleague, mailbox, notification, 'APPROVE');
    }

    await page.goto(f.url('/admin/plugins/mail-server'));
    await page.getByRole('heading', { name: 'Approvals', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Check the mailbox now' }).click();
    const quarantine = page.getByRole('list', { name: 'Quarantine' });
    const held = (t: { notification: ParsedMail }) =>
      // Listed without the reference's signature (it is half of a forged decision).
      quarantine.getByRole('listitem', { name: `Re: ${redactRefs(t.notification.subject ?? '')}` });
    await held(toAccept).getByText('Reason: wrong-sender').waitFor();
    await held(toDiscard).getByText('Reason: wrong-sender').waitFor();

    await held(toAccept).getByRole('button', { name: 'Accept' }).click();
    await held(toAccept).waitFor({ state: 'detached' });
    await held(toDiscard).getByRole('button', { name: 'Discard' }).click();
    await held(toDiscard).waitFor({ state: 'detached' });

    const requests = page.getByRole('list', { name: 'Requests' });
    const cancelItem = requests.getByRole('listitem', {
      name: `Request ${toCancel.row.id}: Cancel me ${stamp}`,
    });
    await cancelItem.getByRole('button', { name: 'Cancel request' }).click();
    await cancelItem.waitFor({ state: 'detached' }); // gone from the pending list
    await screenshot(page, 'approvals-quarantine');

    // What the clicks did, read back from the server.
    const status = async (id: number) => (await approvals.findOne(id)).status;
    expect(await status(toAccept.row.id)).toBe('approved');
    const published = await f.app.strapi
      .documents(ARTICLE)
      .findOne({ documentId: toAccept.entry.documentId, status: 'published' } as never);
    expect(published).toBeTruthy(); // the accepted decision published the entry
    expect(await status(toDiscard.row.id)).toBe('pending'); // a discarded reply decides nothing
    expect(await status(toCancel.row.id)).toBe('cancelled');
    const inbound = await f.app.strapi.db
      .query('plugin::mail-server.inbound-message')
      .findMany({ where: { requestId: { $in: [toAccept.row.id, toDiscard.row.id] } } });
    const byRequest = new Map(
      inbound.map((r: { requestId: number; resolution: string | null }) => [r.requestId, r])
    );
    expect(String(byRequest.get(toAccept.row.id)?.resolution)).toMatch(/^accepted by /);
    expect(String(byRequest.get(toDiscard.row.id)?.resolution)).toMatch(/^discarded by /);
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
    await item.waitFor({ state: 'detached' }); // decided: gone from the pending list
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

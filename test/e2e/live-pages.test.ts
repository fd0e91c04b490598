/**
 * Pages that follow what happens behind them, in a real browser:
 * - the Content Manager's edit view follows the approval of the entry it shows: the reply the
 *   request email's Approve button pre-fills (sent by a real SMTP client from the approver's
 *   account) decides the request while the view is open, and the view shows the entry published and the
 *   request approved without a reload (the side panel looks again while a request is pending,
 *   and tells the Content Manager to read the entry again when one is decided);
 * - Settings → Mail Server's health strip shows the mailbox job failing (the code and the fix a
 *   Test would give), then recovered.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { ParsedMail } from 'mailparser';
import { screenshot } from '../helpers/browser';
import { waitForMail } from '../helpers/mailbox';
import { button, sendAsMailApp } from '../helpers/mailto';
import { until } from '../helpers/wait';
import { startFixture, type SettingsFixture } from './fixture';
import { useStackMailbox } from './approvals-setup';

const ARTICLE = 'api::article.article';

describe('live pages: the edit view and the mail health', () => {
  let f: SettingsFixture;
  let mailboxAddress: string;

  beforeAll(async () => {
    f = await startFixture();
    mailboxAddress = (await useStackMailbox(f)).address;
  });
  afterAll(async () => {
    await f?.stop();
  });

  test("the Approve button's reply publishes the entry, and the open edit view shows it without a reload", async () => {
    const { page, reader: approver } = f;
    const title = `Live ${Date.now()}`;
    const entry = (await f.app.strapi.documents(ARTICLE).create({ data: { title } })) as {
      documentId: string;
    };
    await page.goto(
      f.url(`/admin/content-manager/collection-types/${ARTICLE}/${entry.documentId}`)
    );
    await page.getByText('No approval requested yet.').waitFor();
    // A marker a reload would wipe: the view must change under it.
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const publish = page.getByRole('button', { name: 'Publish', exact: true });
    expect(await publish.isEnabled()).toBe(true);

    await page.getByRole('textbox', { name: /^Approvers/ }).fill(approver.address);
    await page.getByRole('button', { name: 'Request approval', exact: true }).click();
    const panelList = page.getByRole('list', { name: 'Approval requests of this entry' });
    await panelList.getByText('Pending').waitFor();

    const [notification] = (await waitForMail(f.stack, approver, {
      subject: title,
    })) as ParsedMail[];
    // The approver taps Approve: the reply the mailto: button pre-fills, sent as is.
    const link = button(notification!, 'APPROVE');
    expect(link.to).toBe(mailboxAddress);
    await sendAsMailApp(f.stack, approver, link);
    const report = await f.app.strapi.plugin('mail-server').service('inbox').run();
    expect(report.applied).toBe(1);
    expect(
      await f.app.strapi.documents(ARTICLE).findOne({
        documentId: entry.documentId,
        status: 'published',
      })
    ).toBeTruthy();

    // The panel and the Content Manager follow, in the same page.
    await panelList
      .getByText('Approved', { exact: true })
      .waitFor({ timeout: 15_000 })
      .catch(async (err) => {
        await screenshot(page, 'edit-view-live-failure');
        throw err;
      });
    const published = await until(async () => (await publish.isDisabled()) || null, 15_000);
    if (!published) await screenshot(page, 'edit-view-live-failure');
    expect(published).toBe(true);
    expect(
      await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)
    ).toBe(true);
  });

  test('the health strip shows the mailbox job failing with its code and fix, then recovered', async () => {
    const { page } = f;
    const mailbox = f.stack.users.find((u) => u.address.startsWith('mailbox@'))!;
    const imap = {
      host: '127.0.0.1',
      username: mailbox.address,
      port: f.stack.imap.tlsPort,
      security: 'tls',
      authservId: f.stack.authservId,
    };
    await f.saveThroughApi({ imap: { ...imap, password: 'Wrong-Passw0rd-1' } });
    await f.app.strapi.plugin('mail-server').service('inbox').run();

    // The Approvals page says so beside its title…
    await page.goto(f.url('/admin/plugins/mail-server'));
    await page
      .getByRole('status', { name: 'Mailbox job' })
      .getByText('Mailbox failing (EAUTH)', { exact: true })
      .waitFor();
    // …and Settings → Mail Server tells the whole story.
    await page.goto(f.url('/admin/settings/mail-server'));
    const strip = page.getByRole('region', { name: 'Mail health' });
    const alert = strip.getByRole('alert');
    await alert.waitFor();
    expect(await alert.getByText('EAUTH', { exact: true }).count()).toBe(1);
    expect(await alert.getByText(/^Fix: /).count()).toBe(1);
    // Sending is healthy meanwhile, and says so in its own part.
    await strip.getByRole('heading', { name: 'Sending' }).waitFor();

    await f.saveThroughApi({ imap: { ...imap, password: mailbox.password } });
    await f.app.strapi.plugin('mail-server').service('inbox').run();
    // Read again by itself (every 10 s): no reload.
    await strip.getByText(/^Mailbox read /).waitFor({ timeout: 20_000 });
    expect(await strip.getByRole('alert').count()).toBe(0);
  });
});

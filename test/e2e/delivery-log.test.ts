/**
 * The delivery log in a real browser: one message goes out through the real mail stack, one
 * is refused for good (no such mailbox), one waits in the outbox (nothing listens on the port);
 * the page lists them, newest first, and its status and recipient filters narrow the list the
 * way the API does.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { expectTruthy } from '../helpers/expect';
import { diagnostic } from '../helpers/diagnostic';
import net from 'node:net';
import request from 'supertest';
import { outboundMessageListSchema } from '../../shared/contracts/outbound-message';
import { screenshot } from '../helpers/browser';
import { until } from '../helpers/wait';
import { startFixture, type SettingsFixture } from './fixture';

/** A loopback port that was free a moment ago: nothing listens there. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Delivery log: list, filter by status and recipient', () => {
  let f: SettingsFixture;

  beforeAll(async () => {
    f = await startFixture({ MAIL_SERVER_RETRY_DELAY_MS: '50' });
  });
  afterAll(async () => {
    await f?.stop();
  });

  test('a sent and a failed message, listed and filtered', async () => {
    diagnostic(
      f.build.rebuilt ? `admin panel built in ${f.build.ms} ms` : 'admin panel up to date'
    );
    const { page, sender, reader } = f;
    const token = Date.now().toString(36);
    const send = (options: object) =>
      f.app.strapi.plugin('email').service('email').send(options) as Promise<unknown>;
    const smtp = {
      host: '127.0.0.1',
      port: f.stack.smtp.port,
      security: 'starttls',
      username: sender.address,
      password: sender.password,
      fromName: 'Strapi',
      fromAddress: sender.address,
    };

    // One message delivered by the mail stack…
    const sentSubject = `Delivered ${token}`;
    await f.saveThroughApi({ smtp });
    await send({ to: reader.address, subject: sentSubject, text: 'hello' });

    // …one refused for good: the server has no such mailbox (550 at RCPT TO)…
    const failedTo = `nobody-${token}@example.test`;
    const failedSubject = `Refused ${token}`;
    await expect(
      send({ to: failedTo, subject: failedSubject, text: 'hello' })
    ).rejects.toBeDefined();
    // …and one kept in the outbox: nothing listens on the port, so it waits for the next attempt.
    const queuedSubject = `Waiting ${token}`;
    await f.saveThroughApi({ smtp: { ...smtp, port: await closedPort(), security: 'none' } });
    await send({ to: reader.address, subject: queuedSubject, text: 'hello' });
    await f.app.strapi.plugin('mail-server').service('outbound-messages').flush();

    // What the API says, to compare the page with: read between two attempts of the waiting
    // message (retried every few ms at first, it is now and then caught `sending`).
    const readLog = async () => {
      const res = await request(f.app.strapi.server.httpServer)
        .get('/mail-server/outbound-messages')
        .set('Authorization', `Bearer ${f.api.token}`)
        .expect(200);
      return outboundMessageListSchema.parse(res.body);
    };
    const log = await until(async () => {
      const read = await readLog();
      return read.data.find((m) => m.subject === queuedSubject)?.status === 'queued' && read;
    }, 10_000);
    expectTruthy(log);
    const sent = log.data.find((m) => m.subject === sentSubject);
    const failed = log.data.find((m) => m.subject === failedSubject);
    const queued = log.data.find((m) => m.subject === queuedSubject);
    expectTruthy(sent);
    expectTruthy(failed);
    expectTruthy(queued);
    expect(sent.status).toBe('sent');
    expect(failed.status).toBe('failed');
    expect([queued.status, queued.errorCode]).toStrictEqual(['queued', 'ECONNECTION']);
    expectTruthy(queued.nextAttemptAt); // when it is tried next
    const errorCode = failed.errorCode;
    expectTruthy(errorCode); // the failure has an error code
    // the newest message comes first
    expect(log.data.indexOf(failed)).toBeLessThan(log.data.indexOf(sent));

    // The page, from the plugin's settings section.
    await f.openSettingsPage();
    await page.getByRole('link', { name: 'Delivery log' }).click();
    await page.getByRole('heading', { name: 'Delivery log', level: 1 }).waitFor();
    const table = page.getByRole('grid', { name: 'Delivery log' });
    const row = (subject: string) => table.getByRole('row').filter({ hasText: subject });
    await row(sentSubject).waitFor();
    await row(failedSubject).waitFor();
    await row(sentSubject).getByText('Sent', { exact: true }).waitFor();
    await row(sentSubject).getByText(reader.address.toLowerCase(), { exact: false }).waitFor();
    await row(failedSubject).getByText('Failed', { exact: true }).waitFor();
    await row(failedSubject).getByText(errorCode, { exact: true }).waitFor();
    await row(queuedSubject).getByText('Queued', { exact: true }).waitFor();
    await row(queuedSubject)
      .getByText(/^Next attempt /)
      .waitFor();
    if (failed.errorMessage) {
      await row(failedSubject).getByText(failed.errorMessage, { exact: true }).waitFor();
    }
    const subjects = await table.getByRole('row').allInnerTexts();
    const at = (subject: string) => subjects.findIndex((text) => text.includes(subject));
    expect(at(failedSubject) < at(sentSubject)).toBeTruthy(); // newest first on the page too
    await page.getByText(`Page 1 of ${log.meta.pagination.pageCount}`).waitFor();

    // Status: failed.
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Failed' }).click();
    await row(sentSubject).waitFor({ state: 'detached' });
    await row(failedSubject).waitFor();

    // Recipient: part of the failed address, then of the delivered one (with status still failed).
    const recipient = page.getByRole('searchbox', { name: 'Recipient' });
    await recipient.fill(`nobody-${token}`);
    await row(failedSubject).waitFor();
    expect(await table.getByRole('row').count()).toBe(2); // the header and one message
    await screenshot(page, 'delivery-log');

    await recipient.fill(reader.address.split('@')[0]!);
    await page.getByText('No message matches these filters.').waitFor();

    // All statuses again: the delivered message matches that recipient.
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'All' }).click();
    await row(sentSubject).waitFor();
    expect(await row(failedSubject).count()).toBe(0);
  });
});

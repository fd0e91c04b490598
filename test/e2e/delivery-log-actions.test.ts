/**
 * What an admin does from the delivery log in a real browser: a message the server refused is
 * sent again once the server accepts it (through the confirmation dialog) and ends sent; with
 * the server down, the health strip shows the failed attempts in a row and their error code,
 * and a queued message is cancelled. A user who may only read the log sees neither button,
 * and the API refuses them the actions.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Page } from 'playwright-core';
import request from 'supertest';
import {
  deliveryHealthSchema,
  outboundMessageListSchema,
} from '../../shared/contracts/outbound-message';
import { createAdminUser, screenshot } from '../helpers/browser';
import { expectTruthy } from '../helpers/expect';
import { startScriptedSmtp, type ScriptedSmtp } from '../helpers/scripted-smtp';
import { until } from '../helpers/wait';
import { startFixture, type SettingsFixture } from './fixture';

const READ = 'plugin::mail-server.delivery-log.read';
// The list is read again every 10 s while a listed message is queued: one period and a margin.
const REFRESH_WAIT_MS = 25_000;

describe('Delivery log: send again, cancel, and the sending health', () => {
  let f: SettingsFixture;
  let refuse = true;
  let sink: ScriptedSmtp;
  const token = Date.now().toString(36);
  const refusedSubject = `Refused ${token}`;
  const waiting = (i: number) => `Waiting ${token} #${i}`;

  const http = () => request(f.app.strapi.server.httpServer);
  const send = (options: object) =>
    f.app.strapi.plugin('email').service('email').send(options) as Promise<{ queued?: boolean }>;
  const useSmtp = (port: number) =>
    f.saveThroughApi({
      smtp: {
        host: '127.0.0.1',
        port,
        security: 'none',
        username: '',
        fromAddress: f.sender.address,
      },
    });
  const apiRow = async (subject: string) => {
    await f.app.strapi.plugin('mail-server').service('outbound-messages').flush();
    const res = await http()
      .get('/mail-server/outbound-messages?pageSize=100')
      .set('Authorization', `Bearer ${f.api.token}`)
      .expect(200);
    return outboundMessageListSchema.parse(res.body).data.find((m) => m.subject === subject);
  };
  const openLog = async (page: Page) => {
    await page.goto(f.url('/admin/settings/mail-server-delivery-log'));
    await page.getByRole('heading', { name: 'Delivery log', level: 1 }).waitFor();
  };
  const row = (page: Page, subject: string) =>
    page.getByRole('grid', { name: 'Delivery log' }).getByRole('row').filter({ hasText: subject });
  const strip = (page: Page) => page.getByRole('status', { name: 'Sending health' });

  beforeAll(async () => {
    f = await startFixture();
    sink = await startScriptedSmtp(() =>
      refuse ? { code: 550, message: '5.7.1 Sender not allowed' } : null
    );
  });
  afterAll(async () => {
    await sink?.close().catch(() => undefined);
    await f?.stop();
  });

  test('a refused message is sent again from the page, after a confirmation, and ends sent', async () => {
    const { page } = f;
    const to = `someone-${token}@example.test`;
    await useSmtp(sink.port);
    // Nothing has failed yet: the strip shows the queue and the limits in force, no alert.
    await openLog(page);
    await strip(page)
      .getByText(/no sending limit/)
      .waitFor();
    expect(await strip(page).getByRole('alert').count()).toBe(0);

    await expect(send({ to, subject: refusedSubject, text: 'hello' })).rejects.toMatchObject({
      code: 'EMESSAGE',
    });
    const failed = await apiRow(refusedSubject);
    expect([failed?.status, failed?.resendable]).toStrictEqual(['failed', true]);

    await page.reload();
    await row(page, refusedSubject).getByText('Failed', { exact: true }).waitFor();
    // Nothing to cancel in a failed message.
    expect(
      await page.getByRole('button', { name: `Cancel: ${refusedSubject}`, exact: true }).count()
    ).toBe(0);

    refuse = false; // the cause is fixed: the server accepts it now
    await page.getByRole('button', { name: `Send again: ${refusedSubject}`, exact: true }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Send this message again?' });
    await dialog.getByText(refusedSubject, { exact: true }).waitFor();
    await dialog.getByText(to, { exact: true }).waitFor();
    await screenshot(page, 'delivery-log-resend-dialog');
    await dialog.getByRole('button', { name: 'Send again', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: refusedSubject }).first().waitFor();

    // The page reads the list again until the message is no longer in flight.
    await row(page, refusedSubject)
      .getByText('Sent', { exact: true })
      .waitFor({ timeout: REFRESH_WAIT_MS });
    expect(
      await page.getByRole('button', { name: `Send again: ${refusedSubject}`, exact: true }).count()
    ).toBe(0);
    const sent = await apiRow(refusedSubject);
    expect([sent?.id, sent?.status]).toStrictEqual([failed!.id, 'sent']);
    expect(sink.accepted.length).toBe(1);
  });

  test('the server down: the strip shows the failure streak and its code; a queued message is cancelled', async () => {
    const { page } = f;
    const down = await startScriptedSmtp(() => null);
    await down.close(); // nothing listens on its port any more
    await useSmtp(down.port);
    for (let i = 0; i < 3; i++) {
      expect((await send({ to: f.reader.address, subject: waiting(i), text: 'x' })).queued).toBe(
        true
      );
    }
    const readHealth = async () =>
      deliveryHealthSchema.parse(
        (
          await http()
            .get('/mail-server/outbound-messages/health')
            .set('Authorization', `Bearer ${f.api.token}`)
            .expect(200)
        ).body
      );
    // Each send failed its first attempt: three failed attempts in a row at least.
    const health = await until(async () => {
      const h = await readHealth();
      return h.failureStreak >= 3 ? h : null;
    }, 10_000);
    expectTruthy(health);
    expect(health.failureStreak).toBeGreaterThanOrEqual(3);
    expect(health.lastError?.code).toBe('ECONNECTION');

    await openLog(page);
    await strip(page).getByText('ECONNECTION', { exact: true }).waitFor();
    await strip(page)
      .getByText(/failed attempts in a row/)
      .waitFor();
    await row(page, waiting(0)).getByText('Queued', { exact: true }).waitFor();
    await screenshot(page, 'delivery-log-actions');

    await page.getByRole('button', { name: `Cancel: ${waiting(0)}`, exact: true }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Cancel this message?' });
    await dialog.getByText(waiting(0), { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Cancel the message', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    await row(page, waiting(0)).getByText('Cancelled', { exact: true }).waitFor();
    // Cancelled with its content kept: it may be sent after all, and no longer cancelled.
    await page.getByRole('button', { name: `Send again: ${waiting(0)}`, exact: true }).waitFor();
    expect(
      await page.getByRole('button', { name: `Cancel: ${waiting(0)}`, exact: true }).count()
    ).toBe(0);
    expect((await apiRow(waiting(0)))?.status).toBe('cancelled');
    // The others still wait.
    expect((await apiRow(waiting(1)))?.status).toMatch(/^(queued|sending)$/);
  });

  test('a user who may only read the log sees it and its health, and no button', async () => {
    const credentials = await createAdminUser(f.app.strapi, { actions: [READ] });
    const page = await f.pageAs(credentials);
    try {
      await openLog(page);
      await strip(page).getByText('ECONNECTION', { exact: true }).waitFor();
      await row(page, waiting(1)).getByText('Queued', { exact: true }).waitFor();
      await row(page, waiting(0)).getByText('Cancelled', { exact: true }).waitFor();
      expect(await page.getByRole('button', { name: /^(Send again|Cancel): / }).count()).toBe(0);
      // The same rows show their buttons to the super admin.
      await openLog(f.page);
      await f.page.getByRole('button', { name: `Cancel: ${waiting(1)}`, exact: true }).waitFor();
    } finally {
      await page.context().close();
    }

    // And the API refuses them both actions.
    const login = await http().post('/admin/login').send(credentials).expect(200);
    const readerToken = login.body.data.token as string;
    const queued = await apiRow(waiting(1));
    const cancelled = await apiRow(waiting(0));
    expectTruthy(queued);
    expectTruthy(cancelled);
    const as = (path: string) =>
      http()
        .post(`/mail-server/outbound-messages/${path}`)
        .set('Authorization', `Bearer ${readerToken}`);
    expect((await as(`${queued.id}/cancel`)).status).toBe(403);
    expect((await as(`${cancelled.id}/resend`)).status).toBe(403);
    expect((await apiRow(waiting(0)))?.status).toBe('cancelled');
  });
});

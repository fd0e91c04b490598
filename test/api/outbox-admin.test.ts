/**
 * What an admin does with the outbox through the API: resend a failed message (the same bytes
 * and Message-ID, kept in the row and never shown), cancel a queued one, read the sending
 * account's health; each behind its RBAC action. And the failure streak, which every failed
 * attempt adds to and app code hears of through `mail-server.delivery.failing`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import { startScriptedSmtp, type ScriptedSmtp } from '../helpers/scripted-smtp';
import { until } from '../helpers/wait';
import {
  deliveryHealthSchema,
  outboundMessageListSchema,
  outboundMessageSchema,
} from '../../shared/contracts/outbound-message';

const FROM = 'log@example.test';

describe('the outbox for admins', () => {
  let app: TestStrapi;
  let admin: AdminSession;
  let reader: AdminSession;
  const sinks: ScriptedSmtp[] = [];
  const http = () => request(app.strapi.server.httpServer);
  const as = (who: AdminSession, method: 'get' | 'post', path: string) =>
    http()[method](`/mail-server${path}`).set('Authorization', `Bearer ${who.token}`);
  const send = (options: object) =>
    app.strapi.plugin('email').service('email').send(options) as Promise<{
      messageId: string;
      queued?: boolean;
    }>;
  const useSink = (port: number) =>
    app.strapi
      .plugin('mail-server')
      .service('settings')
      .save({
        smtp: { host: '127.0.0.1', port, security: 'none', username: '', fromAddress: FROM },
      });
  const rowBySubject = async (subject: string) => {
    await app.strapi.plugin('mail-server').service('outbound-messages').flush();
    const res = await as(admin, 'get', `/outbound-messages?pageSize=100`).expect(200);
    return outboundMessageListSchema.parse(res.body).data.find((m) => m.subject === subject);
  };
  const messageIds = (sink: ScriptedSmtp) =>
    sink.accepted.map((raw) => /^Message-ID: *(<[^>\r\n]+>)/im.exec(raw.toString())?.[1]);

  beforeAll(async () => {
    app = await bootStrapi({
      MAIL_SERVER_RETRY_DELAY_MS: '100',
      MAIL_SERVER_MAX_RETRY_DELAY_SECONDS: '1',
    });
    admin = await createAdmin(app.strapi, SUPER_ADMIN);
    reader = await createAdmin(app.strapi, {
      name: 'Log reader',
      actions: ['plugin::mail-server.delivery-log.read'],
    });
  });
  afterAll(async () => {
    for (const s of sinks) await s.close().catch(() => undefined);
    await app?.stop();
  });

  test('a refused message is resent, once the cause is fixed, with the same Message-ID', async () => {
    let refuse = true;
    const sink = await startScriptedSmtp(() =>
      refuse ? { code: 550, message: '5.7.1 Sender not allowed' } : null
    );
    sinks.push(sink);
    await useSink(sink.port);
    // Refused at the end of DATA: a permanent refusal of the message, thrown at once.
    await expect(
      send({ to: 'a@example.test', subject: 'refused once', text: 'x' })
    ).rejects.toMatchObject({ code: 'EMESSAGE' });
    const failed = await rowBySubject('refused once');
    expect([failed?.status, failed?.resendable]).toStrictEqual(['failed', true]);

    // The reader may look, not act.
    const denied = await as(reader, 'post', `/outbound-messages/${failed!.id}/resend`);
    expect(denied.status).toBe(403);

    refuse = false;
    const res = await as(admin, 'post', `/outbound-messages/${failed!.id}/resend`).expect(200);
    expect(outboundMessageSchema.parse(res.body).status).toBe('queued');
    expect(await until(async () => sink.accepted.length >= 1, 15_000)).toBe(true);
    const sent = await until(async () => {
      const row = await rowBySubject('refused once');
      return row?.status === 'sent' ? row : null;
    }, 15_000);
    expect(sent?.id).toBe(failed!.id);
    // The message the caller was told about, byte for byte the same one.
    expect(messageIds(sink)).toStrictEqual([failed!.messageId]);

    // Sent: nothing to resend any more.
    const again = await as(admin, 'post', `/outbound-messages/${failed!.id}/resend`);
    expect([again.status, again.body.error?.details?.code]).toStrictEqual([409, 'ENOTRESENDABLE']);
    const missing = await as(admin, 'post', `/outbound-messages/999999/resend`);
    expect([missing.status, missing.body.error?.details?.code]).toStrictEqual([404, 'ENOTFOUND']);
  });

  test('recipients the server puts off get the same message later; refused ones are reported', async () => {
    // 452 4.5.3 "too many recipients for now" to one address the first time, 550 to another:
    // the message goes to the rest at once, to the first later, never to the second.
    const sink = await startScriptedSmtp(() => null, {
      rcpt: (address, asked) =>
        address === 'later@example.test' && asked === 1
          ? { code: 452, message: '4.5.3 Too many recipients' }
          : address === 'never@example.test'
            ? { code: 550, message: '5.1.1 User unknown' }
            : null,
    });
    sinks.push(sink);
    await useSink(sink.port);
    const result = (await send({
      to: ['now@example.test', 'later@example.test', 'never@example.test'],
      subject: 'partly refused',
      text: 'x',
    })) as { messageId: string; accepted: string[]; rejected: string[]; queued?: boolean };
    expect(result.queued).toBeUndefined();
    expect(result.accepted).toStrictEqual(['now@example.test']);
    expect([...result.rejected].sort()).toStrictEqual(['later@example.test', 'never@example.test']);

    expect(await until(async () => sink.accepted.length >= 2, 15_000)).toBe(true);
    await app.strapi.plugin('mail-server').service('outbox').flush();
    expect(sink.envelopes).toStrictEqual([['now@example.test'], ['later@example.test']]);
    // The same message, not a new one.
    expect(messageIds(sink)).toStrictEqual([result.messageId, result.messageId]);
    await app.strapi.plugin('mail-server').service('outbound-messages').flush();
    const res = await as(admin, 'get', `/outbound-messages?pageSize=100`).expect(200);
    const rows = outboundMessageListSchema
      .parse(res.body)
      .data.filter((m) => m.subject === 'partly refused');
    // The original row and the copy for the recipient put off, both sent, none failed.
    expect(rows.map((r) => [r.status, r.messageId]).sort()).toStrictEqual([
      ['sent', result.messageId],
      ['sent', result.messageId],
    ]);
    expect(rows.some((r) => r.recipients === 'later@example.test' && r.attempts === 2)).toBe(true);
    expect(sink.accepted.length).toBe(2);
  });

  test('Strapi\'s "Send test email" is never queued: a dead server is reported on its page, with our code', async () => {
    const down = await startScriptedSmtp(() => null);
    const port = down.port;
    await down.close();
    await useSink(port);
    const res = await http()
      .post('/email/test')
      .set('Authorization', `Bearer ${admin.token}`)
      .send({ to: 'tester@example.test' });
    expect([res.status, res.body.error?.details?.code]).toStrictEqual([400, 'ECONNECTION']);
    const row = await rowBySubject('Strapi test mail to: tester@example.test');
    // Failed, not queued for later (the page would have said it was sent).
    expect([row?.status, row?.resendable]).toStrictEqual(['failed', true]);
    // Other sends still queue through the same outage.
    expect((await send({ to: 'c@example.test', subject: 'not watched', text: 'x' })).queued).toBe(
      true
    );
    await as(admin, 'post', `/outbound-messages/${(await rowBySubject('not watched'))!.id}/cancel`);
  });

  test('a queued message is cancelled and never sent; a cancelled one can be sent after all', async () => {
    const down = await startScriptedSmtp(() => null);
    const port = down.port;
    await down.close();
    await useSink(port);
    const result = await send({ to: 'b@example.test', subject: 'to cancel', text: 'x' });
    expect(result.queued).toBe(true);
    const queued = await rowBySubject('to cancel');
    expect(queued?.status).toBe('queued');

    expect((await as(reader, 'post', `/outbound-messages/${queued!.id}/cancel`)).status).toBe(403);
    // The outbox retries it meanwhile: cancelled between two attempts (a row being sent is not
    // cancelled, it answers ENOTQUEUED).
    const res = await until(async () => {
      const r = await as(admin, 'post', `/outbound-messages/${queued!.id}/cancel`);
      if (r.status === 409 && r.body.error?.details?.code === 'ENOTQUEUED') return null;
      return r;
    }, 10_000);
    expect(res?.status).toBe(200);
    expect(outboundMessageSchema.parse(res!.body)).toMatchObject({
      status: 'cancelled',
      resendable: true,
    });
    const twice = await as(admin, 'post', `/outbound-messages/${queued!.id}/cancel`);
    expect([twice.status, twice.body.error?.details?.code]).toStrictEqual([409, 'ENOTQUEUED']);

    // The server is back: the cancelled message stays unsent…
    const back = await startScriptedSmtp(() => null, { port });
    sinks.push(back);
    await app.strapi.plugin('mail-server').service('outbox').flush();
    expect(back.accepted.length).toBe(0);
    expect((await rowBySubject('to cancel'))?.status).toBe('cancelled');
    // …until an admin sends it after all.
    await as(admin, 'post', `/outbound-messages/${queued!.id}/resend`).expect(200);
    expect(await until(async () => back.accepted.length === 1, 15_000)).toBe(true);
    expect(messageIds(back)).toStrictEqual([result.messageId]);
  });

  test('failed attempts in a row: the health says so, app code hears it once, and the end of it', async () => {
    const events: Array<{ name: string; payload: any }> = [];
    const hub = app.strapi.eventHub;
    const offFailing = hub.on('mail-server.delivery.failing', async (payload: unknown) => {
      events.push({ name: 'failing', payload });
    });
    const offRecovered = hub.on('mail-server.delivery.recovered', async (payload: unknown) => {
      events.push({ name: 'recovered', payload });
    });
    try {
      const down = await startScriptedSmtp(() => null);
      const port = down.port;
      await down.close();
      await useSink(port);
      // Five sends, each failing its first attempt: the default alert threshold.
      for (let i = 0; i < 5; i++) {
        expect(
          (await send({ to: `c${i}@example.test`, subject: `streak ${i}`, text: 'x' })).queued
        ).toBe(true);
      }
      const failing = await until(async () => events.find((e) => e.name === 'failing'), 10_000);
      expect(failing?.payload).toMatchObject({
        failures: 5,
        error: { code: 'ECONNECTION' },
      });
      const health = deliveryHealthSchema.parse(
        (await as(reader, 'get', '/outbound-messages/health').expect(200)).body
      );
      expect(health.failureStreak).toBeGreaterThanOrEqual(5);
      expect(health.lastError?.code).toBe('ECONNECTION');
      expect(health.queue.queued + health.queue.sending).toBeGreaterThanOrEqual(5);
      expect(health.account).toContain(`127.0.0.1:${port}`);

      const back = await startScriptedSmtp(() => null, { port });
      sinks.push(back);
      expect(
        await until(async () => events.find((e) => e.name === 'recovered'), 20_000)
      ).toBeTruthy();
      // Once at the threshold (and at every ten times it), not at each failure; once at the end.
      const told = events.filter((e) => e.name === 'failing').map((e) => e.payload.failures);
      expect(told.filter((n: number) => n === 5)).toStrictEqual([5]);
      expect(told.every((n: number) => n === 5 || n % 50 === 0)).toBe(true);
      await app.strapi.plugin('mail-server').service('outbox').flush();
      expect(events.filter((e) => e.name === 'recovered').length).toBe(1);
      await app.strapi.plugin('mail-server').service('outbox').flush();
      const after = deliveryHealthSchema.parse(
        (await as(admin, 'get', '/outbound-messages/health').expect(200)).body
      );
      expect(after.failureStreak).toBe(0);
      // Each of the five at its own next attempt (backoff), all within a few seconds.
      expect(await until(async () => back.accepted.length === 5, 15_000)).toBe(true);
    } finally {
      offFailing();
      offRecovered();
    }
  });
});

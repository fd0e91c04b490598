/**
 * "Request approval" under Strapi's RBAC (issue #11, point 5): a requester may only ask about
 * an entry they could edit, an approver must be an admin user whose role may publish it (both
 * at request time and again when the reply arrives), requests are rate-limited per user, and an
 * admin accepting a held reply confirms an entry that changed, and must be allowed to publish.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { ParsedMail } from 'mailparser';
import { createAdmin, type AdminSession } from '../helpers/admin';
import { appendRaw } from '../helpers/mailbox';
import { sendReply } from '../helpers/replies';
import { ARTICLE, useApprovalsFixture } from '../helpers/approvals-fixture';

const CM = 'plugin::content-manager.explorer';
const PLUGIN = 'plugin::mail-server';
const REQUESTS_PER_HOUR = 5;

/** A role from permissions on the article type and plugin actions. */
const role = (name: string, article: string[], plugin: string[]) => ({
  name,
  permissions: [
    ...article.map((a) => ({ action: `${CM}.${a}`, subject: ARTICLE })),
    ...plugin.map((a) => ({ action: `${PLUGIN}.${a}`, subject: null })),
  ],
});

describe('approvals under RBAC', () => {
  const fx = useApprovalsFixture({
    MAIL_SERVER_MAX_REQUESTS_PER_HOUR: String(REQUESTS_PER_HOUR),
  });
  const { approvals, runInbox, draft, isPublished, ask, inboundFor } = fx;
  const http = () => request(fx.app.strapi.server.httpServer);
  const post = (path: string, who: AdminSession, body: object = {}) =>
    http().post(`/mail-server${path}`).set('Authorization', `Bearer ${who.token}`).send(body);
  const requests = () => fx.app.strapi.db.query('plugin::mail-server.approval');
  /** The approver answers APPROVE from their own login; one pass of the job; the row it left. */
  async function approveByReply(notification: ParsedMail) {
    const messageId = await sendReply(
      fx.stack,
      fx.approver,
      fx.mailbox.address,
      notification,
      'APPROVE'
    );
    await runInbox();
    const [row] = await inboundFor({ messageId });
    return row;
  }

  /** An admin with a role made of these permissions (conditions none). */
  async function adminWith(
    spec: ReturnType<typeof role>,
    email?: string
  ): Promise<AdminSession & { id: number }> {
    const created = await fx.app.strapi
      .service('admin::role')
      .create({ name: `${spec.name} ${Date.now()}`, description: 'rbac test' });
    await fx.app.strapi.service('admin::role').assignPermissions(
      created.id,
      spec.permissions.map((p) => ({ ...p, properties: {}, conditions: [] }))
    );
    const session = await createAdmin(fx.app.strapi, 'strapi-editor', { email });
    const user = await fx.app.strapi.db.query('admin::user').findOne({
      where: { email: session.email },
    });
    await fx.app.strapi.service('admin::user').updateById(user.id, { roles: [created.id] });
    return { ...session, id: user.id };
  }

  let reader: AdminSession;
  let author: AdminSession;
  beforeAll(async () => {
    reader = await adminWith(role('Reader', ['read'], ['approvals.request']));
    author = await adminWith(
      role('Author', ['read', 'update', 'create'], ['approvals.request', 'approvals.manage']),
      'author@example.test'
    );
  });

  test('a requester who may not update the entry is refused (403 EFORBIDDEN); nothing is created or sent', async () => {
    const entry = await draft('Not yours to ask about');
    const before = await requests().count({});
    const res = await post('/approvals', reader, {
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [fx.approver.address],
    });
    expect(res.status).toBe(403);
    expect(res.body.error.details.code).toBe('EFORBIDDEN');
    expect(await requests().count({})).toBe(before);
  });

  test('an approver whose role may not publish, or who is no admin at all, is refused (EAPPROVER)', async () => {
    const entry = await draft('Self-approval');
    // The author names themselves: their role can edit but not publish.
    const self = await post('/approvals', author, {
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [fx.approver.address, 'author@example.test'],
    });
    expect(self.status).toBe(400);
    expect(self.body.error.details.code).toBe('EAPPROVER');
    expect(self.body.error.details.errors[0].path).toEqual(['approvers', '1']);
    const stranger = await post('/approvals', author, {
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: ['someone@elsewhere.example'],
    });
    expect(stranger.body.error.details.code).toBe('EAPPROVER');
    // An Editor (may publish) is accepted, asked by the author who may edit.
    const ok = await post('/approvals', author, {
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [fx.approver.address],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.data.requestedBy.email).toBe(author.email);
  });

  test('the decision is recorded as the approver’s admin user', async () => {
    const { entry, row, notification } = await ask('Recorded as the account');
    await approveByReply(notification);
    const decided = await approvals().findOne(row.id);
    const user = await fx.app.strapi.db
      .query('admin::user')
      .findOne({ where: { email: fx.approver.address } });
    expect(decided.decisions[0].by).toEqual({ id: user.id, email: fx.approver.address });
    expect(await isPublished(entry.documentId)).toBe(true);
  });

  test('an approver blocked after the request decides nothing (approver-not-allowed)', async () => {
    const { entry, row, notification } = await ask('Blocked in between');
    const users = fx.app.strapi.db.query('admin::user');
    const user = await users.findOne({ where: { email: fx.approver.address } });
    await users.update({ where: { id: user.id }, data: { blocked: true } });
    try {
      const held = await approveByReply(notification);
      expect([held?.verdict, held?.reason]).toEqual(['quarantined', 'approver-not-allowed']);
      expect((await approvals().findOne(row.id)).status).toBe('pending');
      expect(await isPublished(entry.documentId)).toBe(false);
    } finally {
      await users.update({ where: { id: user.id }, data: { blocked: false } });
    }
  });

  test('a requester who lost edit rights after asking: the reply decides nothing (requester-not-allowed)', async () => {
    const requester = await adminWith(
      role('Requester', ['read', 'update'], ['approvals.request']),
      undefined
    );
    const entry = await draft('Requester demoted');
    const asked = await post('/approvals', requester, {
      uid: ARTICLE,
      documentId: entry.documentId,
      approvers: [fx.approver.address],
    });
    expect(asked.status).toBe(200);
    const notification = await fx.notificationFor(fx.approver, asked.body.data.id);
    await fx.app.strapi.db
      .query('admin::user')
      .update({ where: { id: requester.id }, data: { isActive: false } });
    const held = await approveByReply(notification);
    expect([held?.verdict, held?.reason]).toEqual(['quarantined', 'requester-not-allowed']);
    expect(await isPublished(entry.documentId)).toBe(false);
  });

  test('a custom action on a type without draft & publish declares its permission (update)', async () => {
    const NOTE = 'api::note.note';
    fx.approvals().registerAction(
      'mark-reviewed',
      async ({
        strapi,
        request,
      }: {
        strapi: typeof fx.app.strapi;
        request: { targetDocumentId: string };
      }) =>
        strapi.documents(NOTE as never).update({
          documentId: request.targetDocumentId,
          data: { reviewed: true } as never,
        }),
      { permission: 'update' }
    );
    const note = (await fx.app.strapi
      .documents(NOTE as never)
      .create({ data: { title: 'To review' } as never })) as { documentId: string };
    const row = await approvals().request({
      uid: NOTE,
      documentId: note.documentId,
      action: 'mark-reviewed',
      approvers: [fx.approver.address],
    });
    const notification = await fx.notificationFor(fx.approver, row.id);
    await approveByReply(notification);
    expect((await approvals().findOne(row.id)).status).toBe('approved');
    const after = (await fx.app.strapi
      .documents(NOTE as never)
      .findOne({ documentId: note.documentId })) as unknown as { reviewed: boolean };
    expect(after.reviewed).toBe(true);
  });

  test('requests are limited per user and hour (429 ERATELIMIT)', async () => {
    const limited = await adminWith(
      role('Limited', ['read', 'update'], ['approvals.request']),
      undefined
    );
    const entry = await draft('Asked too often');
    const body = { uid: ARTICLE, documentId: entry.documentId, approvers: [fx.approver.address] };
    for (let i = 0; i < REQUESTS_PER_HOUR; i++) {
      expect((await post('/approvals', limited, body)).status).toBe(200);
    }
    const refused = await post('/approvals', limited, body);
    expect(refused.status).toBe(429);
    expect(refused.body.error.details.code).toBe('ERATELIMIT');
    // Another user is not held back by it.
    expect((await post('/approvals', fx.admin, body)).status).toBe(200);
  });

  test('Accept of a reply held as entry-changed needs the current version confirmed, and records it', async () => {
    const { entry, row, notification } = await ask('Changed after the request');
    await fx.app.strapi
      .documents(ARTICLE)
      .update({ documentId: entry.documentId, data: { title: 'Changed (edited)' } as never });
    const held = await approveByReply(notification);
    expect(held?.reason).toBe('entry-changed');

    // An admin who may not publish cannot accept at all.
    const refusedRole = await post(`/inbound-messages/${held.id}/accept`, author, {
      confirmCurrentVersion: true,
    });
    expect(refusedRole.status).toBe(403);
    expect(refusedRole.body.error.details.code).toBe('EFORBIDDEN');

    const unconfirmed = await post(`/inbound-messages/${held.id}/accept`, fx.admin);
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body.error.details.code).toBe('ECONFIRM');
    expect(await isPublished(entry.documentId)).toBe(false);

    const confirmed = await post(`/inbound-messages/${held.id}/accept`, fx.admin, {
      confirmCurrentVersion: true,
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.data.resolution).toMatch(/^accepted by .* for the version of /);
    const decided = await approvals().findOne(row.id);
    expect(decided.status).toBe('approved');
    expect(decided.decisions[0].acceptedBy.email).toBe(fx.admin.email);
    expect(decided.decisions[0].acceptedBy.confirmedVersion).toBeTruthy();
    expect(await isPublished(entry.documentId)).toBe(true);
  });

  test('Accept of a reply held past expiry needs the confirmation too', async () => {
    const { entry, row, notification } = await ask('Late but held');
    const messageId = `<late-held-${row.id}@example.test>`;
    // Held for a person first (here: a wrong sender), then the request runs past its expiry.
    await appendRaw(
      fx.stack,
      fx.mailbox,
      [
        `Authentication-Results: ${fx.stack.authservId}; auth=pass smtp.auth=${fx.editor.address}`,
        `From: ${fx.editor.address}`,
        `To: ${fx.mailbox.address}`,
        `Subject: Re: ${notification.subject}`,
        `Message-ID: ${messageId}`,
        `In-Reply-To: ${notification.messageId}`,
        '',
        'APPROVE',
        '',
      ].join('\r\n')
    );
    await runInbox();
    const [held] = await inboundFor({ messageId });
    expect(held?.reason).toBe('wrong-sender');
    await requests().update({
      where: { id: row.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    const unconfirmed = await post(`/inbound-messages/${held.id}/accept`, fx.admin);
    expect(unconfirmed.body.error.details.code).toBe('ECONFIRM');
    expect(await isPublished(entry.documentId)).toBe(false);
    const confirmed = await post(`/inbound-messages/${held.id}/accept`, fx.admin, {
      confirmCurrentVersion: true,
    });
    expect(confirmed.status).toBe(200);
    expect(await isPublished(entry.documentId)).toBe(true);
  });
});

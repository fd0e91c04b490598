/**
 * What the Approvals page reads (issue #15): each request with its entry (title from the main
 * field, read once per content type, withheld from a role that may not read the type) and its
 * audit trail (every reply, who accepted what), and GET /inbound-messages: every reply the
 * mailbox received, by verdict, a page at a time, references redacted.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { createAdmin, type AdminSession } from '../helpers/admin';
import { sendReply } from '../helpers/replies';
import { ARTICLE, useApprovalsFixture } from '../helpers/approvals-fixture';

const PLUGIN = 'plugin::mail-server';
/** A reference or Message-ID with its signature (redacted ones end in `…`). */
const SIGNED_REF = /APR-\d+-\d+-[a-z2-7]{16}|apr\.\d+\.\d+\.[a-z2-7]{16}@/i;

describe('the approvals list and the replies received', () => {
  const fx = useApprovalsFixture();
  const { runInbox, ask } = fx;
  const get = (path: string, who: AdminSession, query: object = {}) =>
    request(fx.app.strapi.server.httpServer)
      .get(`/mail-server${path}`)
      .query(query)
      .set('Authorization', `Bearer ${who.token}`);

  /** An admin whose role has these plugin actions only (no Content Manager access). */
  const adminWith = (actions: string[]) =>
    createAdmin(fx.app.strapi, {
      name: `Audit ${actions.join(' ')}`,
      actions: actions.map((a) => `${PLUGIN}.${a}`),
    });

  let accepted: Awaited<ReturnType<typeof ask>>;
  let applied: Awaited<ReturnType<typeof ask>>;
  let heldId: number;
  beforeAll(async () => {
    const stamp = Date.now();
    accepted = await ask(`Accepted ${stamp}`);
    applied = await ask(`Applied ${stamp}`);
    // From a colleague's address: held (wrong sender); the approver's own: applied.
    await sendReply(fx.stack, fx.editor, fx.mailbox.address, accepted.notification, 'APPROVE');
    await sendReply(fx.stack, fx.approver, fx.mailbox.address, applied.notification, 'APPROVE');
    await runInbox();
    const [held] = await fx.inboundFor({ requestId: accepted.row.id });
    heldId = held!.id;
    expect([held!.verdict, held!.reason]).toEqual(['quarantined', 'wrong-sender']);
  });

  test('a request shows its entry: current title from the main field, type name, edit view', async () => {
    // Renamed after the request: the list reads the entry, not the title stored with it.
    await fx.app.strapi.db
      .query(ARTICLE)
      .updateMany({ where: { documentId: applied.entry.documentId }, data: { title: 'Renamed' } });
    const res = await get('/approvals', fx.admin).expect(200);
    const row = res.body.data.find((r: { id: number }) => r.id === applied.row.id);
    expect(row.entry).toEqual({
      uid: ARTICLE,
      displayName: 'Article',
      documentId: applied.entry.documentId,
      locale: null,
      readable: true,
      title: 'Renamed',
      path: `/content-manager/collection-types/${ARTICLE}/${applied.entry.documentId}`,
    });
  });

  test('titles are read in one query per content type, not one per request', async () => {
    await ask(`Batch one ${Date.now()}`);
    await ask(`Batch two ${Date.now()}`);
    const db = fx.app.strapi.db;
    const original = db.query.bind(db);
    const asked: string[] = [];
    db.query = ((uid: string) => {
      asked.push(uid);
      return original(uid as never);
    }) as typeof db.query;
    try {
      const res = await get('/approvals', fx.admin).expect(200);
      expect(res.body.data.length).toBeGreaterThanOrEqual(4);
    } finally {
      db.query = original;
    }
    expect(asked.filter((uid) => uid === ARTICLE)).toHaveLength(1);
    expect(asked.filter((uid) => uid === `${PLUGIN}.inbound-message`)).toHaveLength(1);
  });

  test('a role that may not read the type sees no title nor link, only the type', async () => {
    const reader = await adminWith(['approvals.read']);
    const res = await get('/approvals', reader).expect(200);
    const row = res.body.data.find((r: { id: number }) => r.id === applied.row.id);
    expect(row.title).toBeNull();
    expect(row.entry).toMatchObject({
      displayName: 'Article',
      readable: false,
      title: null,
      path: null,
    });
    // Nor the words of the replies about it (their subject is the entry's title): the verdict
    // and who sent them stay, as the audit needs.
    const replies = await get('/inbound-messages', reader, { requestId: applied.row.id }).expect(
      200
    );
    expect(replies.body.data.length).toBeGreaterThan(0);
    for (const reply of replies.body.data) {
      expect([reply.subject, reply.comment, typeof reply.verdict]).toStrictEqual([
        null,
        null,
        'string',
      ]);
    }
    const full = await get('/inbound-messages', fx.admin, { requestId: applied.row.id }).expect(
      200
    );
    expect(full.body.data.some((r: { subject: string | null }) => !!r.subject)).toBe(true);
  });

  test('the audit trail: the reply from another address, accepted by the admin', async () => {
    await request(fx.app.strapi.server.httpServer)
      .post(`/mail-server/inbound-messages/${heldId}/accept`)
      .set('Authorization', `Bearer ${fx.admin.token}`)
      .send({})
      .expect(200);
    const res = await get('/approvals', fx.admin, { status: 'approved' }).expect(200);
    const row = res.body.data.find((r: { id: number }) => r.id === accepted.row.id);
    expect(row.decisions).toHaveLength(1);
    expect(row.decisions[0]).toMatchObject({
      approver: fx.approver.address.toLowerCase(),
      decision: 'approve',
      inboundMessageId: heldId,
      acceptedBy: { email: fx.admin.email },
    });
    expect(row.replies).toEqual([
      expect.objectContaining({
        id: heldId,
        fromAddress: fx.editor.address.toLowerCase(),
        verdict: 'applied',
        reason: 'wrong-sender',
        resolution: `accepted by ${fx.admin.email}`,
      }),
    ]);
  });

  test('GET /inbound-messages lists every reply, filters by verdict, pages', async () => {
    const all = await get('/inbound-messages', fx.admin).expect(200);
    const total = all.body.meta.pagination.total as number;
    expect(total).toBeGreaterThanOrEqual(2);
    expect(all.body.data.map((m: { id: number }) => m.id)).toEqual(
      [...all.body.data.map((m: { id: number }) => m.id)].sort((a, b) => b - a)
    );
    const appliedOnly = await get('/inbound-messages', fx.admin, { verdict: 'applied' }).expect(
      200
    );
    expect(new Set(appliedOnly.body.data.map((m: { verdict: string }) => m.verdict))).toEqual(
      new Set(['applied'])
    );
    expect(appliedOnly.body.data.map((m: { requestId: number }) => m.requestId)).toEqual(
      expect.arrayContaining([accepted.row.id, applied.row.id])
    );
    const second = await get('/inbound-messages', fx.admin, { page: 2, pageSize: 1 }).expect(200);
    expect(second.body.meta.pagination).toEqual({
      page: 2,
      pageSize: 1,
      total,
      pageCount: total,
    });
    expect(second.body.data).toHaveLength(1);
    expect(second.body.data[0].id).toBe(all.body.data[1].id);
  });

  test('the query is validated; rows carry no raw message and no signed reference', async () => {
    for (const query of [{ verdict: 'bogus' }, { pageSize: 1000 }, { page: 0 }, { extra: 1 }]) {
      const res = await get('/inbound-messages', fx.admin, query);
      expect([res.status, res.body.error?.name]).toEqual([400, 'ValidationError']);
    }
    const res = await get('/inbound-messages', fx.admin).expect(200);
    for (const row of res.body.data) {
      expect(row).not.toHaveProperty('raw');
      expect(JSON.stringify(row)).not.toMatch(SIGNED_REF);
    }
  });

  test('RBAC: replies need approvals.read; reading does not allow accepting', async () => {
    const none = await adminWith(['delivery-log.read']);
    await get('/inbound-messages', none).expect(403);
    await get('/approvals', none).expect(403);
    const reader = await adminWith(['approvals.read']);
    await get('/inbound-messages', reader).expect(200);
    await request(fx.app.strapi.server.httpServer)
      .post(`/mail-server/inbound-messages/${heldId}/discard`)
      .set('Authorization', `Bearer ${reader.token}`)
      .send({})
      .expect(403);
  });
});

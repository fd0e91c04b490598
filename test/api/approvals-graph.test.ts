/**
 * Approvals read through Microsoft Graph, for tenants that keep IMAP off. The approver's reply
 * goes through SMTP into the approvals mailbox in Dovecot; the job reads it through the local
 * Graph (tokens from the local identity platform, app-only with a certificate), with the same
 * guarantees as over IMAP: exactly once, only the right approver, moved after recording.
 */
import { beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import { connectionTestResultSchema } from '../../shared/contracts/connection-test';
import { appendRaw, connect } from '../helpers/mailbox';
import { jobFolders } from '../helpers/approval-load';
import { sendReply } from '../helpers/replies';
import { graphReadSection, registerApp } from '../helpers/oauth2';
import { useApprovalsFixture } from '../helpers/approvals-fixture';
import { blockedConnections } from '../helpers/no-internet';
import { createClientCertificate } from '../mailstack/certs';
import type { IdentityClient, MailStack, MailUser } from '../mailstack/types';

describe('approvals read through Microsoft Graph', () => {
  const fx = useApprovalsFixture();
  const { approvals, runInbox, isPublished, inboundFor, ask } = fx;
  let stack: MailStack;
  let approver: MailUser;
  let mailbox: MailUser;
  /** an app registration with the PEM bundle (key + certificate) it signs in with */
  type App = { client: IdentityClient; bundle: string };
  let reader: App;

  const http = () => request(fx.app.strapi.server.httpServer);
  const auth = (r: request.Test) => r.set('Authorization', `Bearer ${fx.admin.token}`);
  const save = async (imap: object) =>
    (await auth(http().put('/mail-server/settings')).send({ imap }).expect(200)).body.data;
  const probe = async () =>
    connectionTestResultSchema.parse(
      (await auth(http().post('/mail-server/connection-test/imap')).send({}).expect(200)).body.data
    );
  /** A new app registration for the approvals mailbox with these Graph permissions. */
  const newApp = async (name: string, graphRoles: string[]): Promise<App> => {
    const pair = await createClientCertificate(`${stack.dir}/app-certs`, name);
    const client = registerApp(stack, {
      mailbox: mailbox.address,
      certificates: [pair.certificate],
      graphRoles,
    });
    return { client, bundle: pair.bundle };
  };
  /** The IMAP section read through the local Graph by `app`, signed in with its certificate. */
  const graphSection = ({ client, bundle }: App, over: object = {}) => ({
    ...graphReadSection(stack, client, { certificate: bundle }),
    mailbox: 'INBOX',
    ...over,
  });

  beforeAll(async () => {
    ({ stack, approver, mailbox } = fx);
    reader = await newApp('graph-read', ['Mail.ReadWrite']);
    await save(graphSection(reader));
  });

  test('Test IMAP through Graph: token, the folder read, the Processed folder', async () => {
    const result = await probe();
    expect([result.ok, result.error?.code]).toStrictEqual([true, undefined]);
    expect(result.steps.map((s) => [s.name, s.status])).toStrictEqual([
      ['authenticate', 'ok'],
      ['mailbox', 'ok'],
      ['folder', 'ok'],
      ['sender', 'ok'],
    ]);
  });

  test('a reply APPROVE read through Graph publishes the entry once and is moved to Processed', async () => {
    const before = stack.graph.stats();
    const { entry, row, notification } = await ask('Approved through Graph');
    await sendReply(stack, approver, mailbox.address, notification, 'APPROVE\n\nFine by me.');
    const report = await runInbox();
    expect([report.applied, report.error?.code]).toStrictEqual([1, undefined]);
    expect(await isPublished(entry.documentId)).toBe(true);
    const decided = await approvals().findOne(row.id);
    expect([decided.status, decided.decisions[0].comment]).toStrictEqual([
      'approved',
      'Fine by me.',
    ]);
    const folders = await jobFolders(stack, mailbox);
    expect(folders.INBOX).toBe(0);
    expect(folders.Processed).toBeGreaterThanOrEqual(1);
    // Read and moved through Graph, not IMAP.
    const after = stack.graph.stats();
    expect(after.fetched - before.fetched).toBeGreaterThanOrEqual(1);
    expect(after.moved - before.moved).toBeGreaterThanOrEqual(1);
    const [inbound] = await inboundFor({ requestId: row.id });
    expect([inbound.verdict, inbound.uid, inbound.folder]).toStrictEqual([
      'applied',
      null,
      'Processed',
    ]);
  });

  test('the same reply delivered again is only filed; a forged one is quarantined', async () => {
    const { entry, row, notification } = await ask('Replayed through Graph');
    const messageId = await sendReply(stack, approver, mailbox.address, notification, 'REJECT');
    await runInbox();
    expect((await approvals().findOne(row.id)).status).toBe('rejected');
    // The same message (same Message-ID) back in the inbox: a replay.
    const c = await connect(stack, mailbox);
    let raw: Buffer | undefined;
    try {
      const lock = await c.getMailboxLock('Processed');
      try {
        const [uid] =
          (await c.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
        const found = uid ? await c.fetchOne(String(uid), { source: true }, { uid: true }) : false;
        raw = found ? found.source : undefined;
      } finally {
        lock.release();
      }
    } finally {
      await c.logout();
    }
    expect(raw).toBeDefined();
    await appendRaw(stack, mailbox, raw!);
    // A From header naming the approver, sent from another account: the server's proof says who.
    const forged = await ask('Forged through Graph');
    await sendReply(stack, fx.editor, mailbox.address, forged.notification, 'APPROVE', {
      fromHeader: approver.address,
    });
    const report = await runInbox();
    expect([report.refiled, report.quarantined, report.applied]).toStrictEqual([1, 1, 0]);
    expect((await approvals().findOne(row.id)).status).toBe('rejected');
    expect(await isPublished(entry.documentId)).toBe(false);
    expect(await isPublished(forged.entry.documentId)).toBe(false);
    expect((await inboundFor({ requestId: forged.row.id }))[0]?.folder).toBe('Quarantine');
    expect((await jobFolders(stack, mailbox)).INBOX).toBe(0);
  });

  test('Graph throttling (429 Retry-After) is waited out: the reply still decides', async () => {
    const { entry, notification } = await ask('Throttled through Graph');
    await sendReply(stack, approver, mailbox.address, notification, 'APPROVE');
    stack.graph.throttle(2, 1);
    const report = await runInbox();
    expect([report.applied, report.error?.code]).toStrictEqual([1, undefined]);
    expect(await isPublished(entry.documentId)).toBe(true);
  });

  test('an app with Mail.Send only: the run and the Test fail with the permission named', async () => {
    await save(graphSection(await newApp('graph-send-only', ['Mail.Send'])));
    const { entry, notification } = await ask('Denied through Graph');
    await sendReply(stack, approver, mailbox.address, notification, 'APPROVE');
    const report = await runInbox();
    expect(report.error?.code).toBe('EAUTH');
    expect(await isPublished(entry.documentId)).toBe(false);
    const result = await probe();
    expect([result.ok, result.error?.code, result.error?.reason]).toStrictEqual([
      false,
      'EAUTH',
      'ErrorAccessDenied',
    ]);
    expect(result.error?.fix).toContain('Mail.ReadWrite');
    // Nothing was lost: the reply waits in the inbox for an app that may read it.
    expect((await jobFolders(stack, mailbox)).INBOX).toBe(1);
    await save(graphSection(reader));
    expect((await runInbox()).applied).toBe(1);
    expect(await isPublished(entry.documentId)).toBe(true);
  });

  test('delegated: the mailbox user signs in (password grant), Mail.ReadWrite.Shared as the user; the reply decides', async () => {
    const delegated = await newApp('graph-delegated', []); // no application permission at all
    const section = graphSection(delegated);
    await save({
      ...section,
      password: mailbox.password,
      oauth2: { ...section.oauth2, grant: 'password' },
    });
    const { entry, notification } = await ask('Delegated through Graph');
    await sendReply(stack, approver, mailbox.address, notification, 'APPROVE');
    const report = await runInbox();
    expect([report.applied, report.error?.code]).toStrictEqual([1, undefined]);
    expect(await isPublished(entry.documentId)).toBe(true);
    expect((await probe()).ok).toBe(true);
    await save(graphSection(reader));
  });

  test('a folder that does not exist is EMAILBOX, in the Test and in the run', async () => {
    await save(graphSection(reader, { mailbox: 'Approvals/Replies' }));
    const result = await probe();
    expect([result.error?.code, result.steps.find((s) => s.name === 'mailbox')?.status]).toEqual([
      'EMAILBOX',
      'failed',
    ]);
    expect((await runInbox()).error?.code).toBe('EMAILBOX');
    await save(graphSection(reader));
  });

  test('nothing reached beyond loopback', () => {
    expect(blockedConnections()).toStrictEqual([]);
  });
});

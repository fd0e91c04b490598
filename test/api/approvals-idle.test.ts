/**
 * With IMAP IDLE on, a reply is decided within seconds without anyone running the job, and
 * the IDLE loop survives the IMAP server going away and coming back. Over Microsoft Graph,
 * which has no IDLE, the same loop watches the folder every few seconds.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { ensureApprover } from '../helpers/admin';
import { waitForMail } from '../helpers/mailbox';
import { configureMailbox } from '../helpers/approval-load';
import { sendReply } from '../helpers/replies';
import { graphReadSection, registerApp } from '../helpers/oauth2';
import { until } from '../helpers/wait';
import { startMailStack } from '../mailstack';
import type { MailStack, MailUser } from '../mailstack/types';

const ARTICLE = 'api::article.article';

describe('approvals with IMAP IDLE', () => {
  let stack: MailStack;
  let app: TestStrapi;
  let approver: MailUser;
  let mailbox: MailUser;

  const approve = async (title: string) => {
    const entry = (await app.strapi.documents(ARTICLE).create({ data: { title } })) as {
      documentId: string;
    };
    const row = await app.strapi
      .plugin('mail-server')
      .service('approvals')
      .request({ uid: ARTICLE, documentId: entry.documentId, approvers: [approver.address] });
    const [notification] = await waitForMail(stack, approver, { subject: `Ref: APR-${row.id}-` });
    const sentAt = Date.now();
    await sendReply(stack, approver, mailbox.address, notification!, 'APPROVE');
    const published = await until(
      () =>
        app.strapi
          .documents(ARTICLE)
          .findOne({ documentId: entry.documentId, status: 'published' }),
      15_000
    );
    return { published, latencyMs: Date.now() - sentAt };
  };

  beforeAll(async () => {
    stack = await startMailStack();
    [approver, mailbox] = ['approver@', 'mailbox@'].map((p) =>
      stack.users.find((u) => u.address.startsWith(p))!
    );
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_IDLE: 'true' });
    await ensureApprover(app.strapi, approver.address);
    await configureMailbox(app.strapi, stack, mailbox, stack.imap.tlsPort, { idle: true });
  });
  afterAll(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('a reply is decided within seconds, with no poll (interval 1 h)', async () => {
    const { published, latencyMs } = await approve('Instant');
    expect(published).toBeTruthy(); // published by the IDLE loop
    expect(latencyMs < 10_000).toBeTruthy();
  });

  test('after Dovecot restarts, the IDLE loop reconnects and decides again', async () => {
    await stack.dovecot!.stop();
    // Long enough for the loop to lose its connection and fail to reconnect at least once.
    await new Promise((r) => setTimeout(r, 1500));
    await stack.dovecot!.start();
    const { published, latencyMs } = await approve('After the restart');
    expect(published).toBeTruthy(); // published by the IDLE loop after it reconnected
    expect(latencyMs < 15_000).toBeTruthy();
  });

  test('read through Microsoft Graph: a settings change moves the loop to Graph, which decides within seconds', async () => {
    const client = registerApp(stack, { mailbox: mailbox.address, graphRoles: ['Mail.ReadWrite'] });
    const before = stack.graph.stats();
    // No restart: the saved settings reach the loop, which reconnects through Graph.
    await app.strapi
      .plugin('mail-server')
      .service('settings')
      .save({ imap: graphReadSection(stack, client) });
    const { published, latencyMs } = await approve('Through Graph');
    expect(published).toBeTruthy(); // published by the loop, reading through Graph
    // The default watch interval is 3 s: a reply is decided within one interval and the work.
    expect(latencyMs < 10_000).toBeTruthy();
    // Moved after the commit that published it: wait for the move, then compare.
    const moved = await until(async () => stack.graph.stats().moved > before.moved, 5_000);
    expect(moved).toBe(true);
    expect(stack.graph.stats().fetched - before.fetched).toBeGreaterThanOrEqual(1);
  });
});

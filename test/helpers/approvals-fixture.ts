/**
 * What the approval suites share: the real mail stack, a Strapi app whose SMTP and IMAP
 * settings point at it (saved through the admin API), and the steps of the protocol — ask for
 * an approval, read the notification the approver got, run the inbox job.
 *
 *   const fx = useApprovalsFixture();   // inside describe(): registers before/after hooks
 *   const { entry, row, notification } = await fx.ask('Title');
 */
import { afterAll, beforeAll, expect } from '@jest/globals';
import request from 'supertest';
import type { ParsedMail } from 'mailparser';
import { bootStrapi, type TestStrapi } from './strapi';
import { createAdmin, EDITOR, SUPER_ADMIN, type AdminSession } from './admin';
import { waitForMail } from './mailbox';
import { startMailStack } from '../mailstack';
import type { MailStack, MailUser } from '../mailstack/types';

export const ARTICLE = 'api::article.article';
export const INBOUND = 'plugin::mail-server.inbound-message';

export interface ApprovalsFixture {
  stack: MailStack;
  app: TestStrapi;
  admin: AdminSession;
  approver: MailUser;
  editor: MailUser;
  mailbox: MailUser;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the plugin's service, untyped here
  approvals(): any;
  /** A pass of the job, then the answers it queued (they go out in the background). */
  runInbox(): Promise<Record<string, number> & { error?: { code: string } }>;
  draft(title: string): Promise<{ documentId: string }>;
  isPublished(documentId: string): Promise<boolean>;
  notificationFor(user: MailUser, requestId: number): Promise<ParsedMail>;
  inboundFor(where: object): Promise<Array<Record<string, any>>>;
  /** the IMAP section the suite saved (the stack's approvals mailbox, replies verified) */
  imapSettings(): Record<string, unknown>;
  ask(
    title: string,
    over?: object
  ): Promise<{ entry: { documentId: string }; row: any; notification: ParsedMail }>;
}

/** Registers the suite's before/after hooks; the fields are set once `before` has run. */
export function useApprovalsFixture(env: Record<string, string> = {}): ApprovalsFixture {
  const fx = {
    approvals: () => fx.app.strapi.plugin('mail-server').service('approvals'),
    async runInbox() {
      const report = await fx.app.strapi.plugin('mail-server').service('inbox').run();
      await fx.app.strapi.plugin('mail-server').service('outbox').flush();
      return report;
    },
    draft: async (title: string) =>
      (await fx.app.strapi.documents(ARTICLE).create({ data: { title } })) as {
        documentId: string;
      },
    isPublished: async (documentId: string) =>
      !!(await fx.app.strapi.documents(ARTICLE).findOne({ documentId, status: 'published' })),
    async notificationFor(user: MailUser, requestId: number) {
      const found = await waitForMail(fx.stack, user, { subject: `Ref: APR-${requestId}-` });
      expect(found.length).toBe(1);
      return found[0]!;
    },
    inboundFor: (where: object) =>
      fx.app.strapi.db.query(INBOUND).findMany({ where, orderBy: { id: 'asc' } }),
    imapSettings: (): Record<string, unknown> => ({
      host: '127.0.0.1',
      username: fx.mailbox.address,
      password: fx.mailbox.password,
      port: fx.stack.imap.tlsPort,
      security: 'tls',
      authservId: fx.stack.authservId,
    }),
    async ask(title: string, over: object = {}) {
      const entry = await fx.draft(title);
      const row = await fx.approvals().request({
        uid: ARTICLE,
        documentId: entry.documentId,
        approvers: [fx.approver.address],
        ...over,
      });
      return { entry, row, notification: await fx.notificationFor(fx.approver, row.id) };
    },
  } as ApprovalsFixture;

  beforeAll(async () => {
    fx.stack = await startMailStack();
    [fx.approver, fx.editor, fx.mailbox] = ['approver@', 'editor@', 'mailbox@'].map((p) =>
      fx.stack.users.find((u) => u.address.startsWith(p))!
    ) as [MailUser, MailUser, MailUser];
    fx.app = await bootStrapi({
      MAIL_SERVER_CA_FILE: fx.stack.caFile,
      MAIL_SERVER_RETRY_DELAY_MS: '50',
      ...env,
    });
    fx.admin = await createAdmin(fx.app.strapi, SUPER_ADMIN);
    // Approvers are Strapi admin users whose role may publish (Editor), as the plugin requires.
    for (const user of [fx.approver, fx.editor]) {
      await createAdmin(fx.app.strapi, EDITOR, { email: user.address });
    }
    const server = {
      host: '127.0.0.1',
      username: fx.mailbox.address,
      password: fx.mailbox.password,
    };
    await request(fx.app.strapi.server.httpServer)
      .put('/mail-server/settings')
      .set('Authorization', `Bearer ${fx.admin.token}`)
      .send({
        smtp: {
          ...server,
          port: fx.stack.smtp.port,
          security: 'starttls',
          fromName: 'Strapi',
          fromAddress: fx.mailbox.address,
        },
        imap: fx.imapSettings(),
      })
      .expect(200);
  });
  afterAll(async () => {
    await fx.app?.stop();
    await fx.stack?.stop();
  });
  return fx;
}

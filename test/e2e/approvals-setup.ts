/**
 * What the browser suites of approvals share: the approver made an admin user allowed to
 * publish, and SMTP and IMAP pointed at the stack's approvals mailbox (replies verified by the
 * stack's receiving server).
 */
import { ensureApprover } from '../helpers/admin';
import type { MailUser } from '../mailstack/types';
import type { SettingsFixture } from './fixture';

export async function useStackMailbox(f: SettingsFixture): Promise<MailUser> {
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
  return mailbox;
}

/**
 * A backlog in the outbox, as a mail server down would leave it: `n` messages composed with the
 * saved SMTP settings and queued in one transaction (the fault suite's 1000, the benchmark's
 * drain). Returns their Message-IDs in order.
 */
import type { Core } from '@strapi/strapi';

export async function queueBacklog(
  strapi: Core.Strapi,
  n: number,
  message: (i: number) => { to: string; subject: string; text?: string; html?: string }
): Promise<string[]> {
  const plugin = strapi.plugin('mail-server');
  const ids: string[] = [];
  await strapi.db.transaction(async ({ trx }) => {
    for (let i = 0; i < n; i++) {
      const options = message(i);
      const composed = await plugin.service('transport').compose(options);
      ids.push(composed.messageId);
      await plugin.service('outbox').enqueue(
        {
          composed,
          recipients: options.to,
          subject: options.subject,
          displayMessageId: composed.messageId,
          attempts: 0,
        },
        trx
      );
    }
  });
  return ids;
}

/**
 * The emails of the approval protocol: the request to each approver (signed reference in the
 * subject, body and Message-ID; Reply-To the approvals mailbox; marked auto-generated so
 * auto-responders stay quiet) and the short answer to an approver's reply.
 */
import type { Core } from '@strapi/strapi';
import { messageIdFor, referenceFor } from '../mail';
import { getService } from '../utils/get-service';
import type { ApprovalRow } from '../approvals/types';
import { approvalMailbox } from '../approvals/mailbox';
import type { Answer } from '../approvals/reasons';

/** Answers waiting to be sent, at most (each a few hundred bytes). */
const MAX_QUEUED_ANSWERS = 1000;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const email = () => strapi.plugin('email').service('email');
  const outbox = new Set<Promise<void>>();

  /** Sends an answer as approvals/reasons.ts worded it. */
  async function sendAnswer({ to, inReplyTo, subject, text }: Answer): Promise<void> {
    await email().send({
      to,
      subject,
      text,
      inReplyTo: inReplyTo ?? undefined,
      references: inReplyTo ?? undefined,
      // RFC 3834: an automatic answer; well-behaved responders will not answer it back.
      headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
    });
  }

  async function mailbox() {
    const settings = getService(strapi, 'settings');
    return approvalMailbox(
      await settings.getEffective('smtp'),
      await settings.getEffective('imap')
    );
  }

  return {
    /** Sends the request to one approver; returns the Message-ID it carries. */
    async sendRequest(request: ApprovalRow, approver: number, adminUrl: string): Promise<string> {
      const key = getService(strapi, 'secrets').signingKey();
      const address = request.approvers[approver]!;
      const ref = referenceFor(key, { requestId: request.id, approver }, address);
      const { address: replyTo, domain } = await mailbox();
      const messageId = messageIdFor(key, { requestId: request.id, approver }, address, domain);
      const link = `${adminUrl}/content-manager/collection-types/${request.targetUid}/${request.targetDocumentId}`;
      const who = request.requestedBy?.email
        ? `${request.requestedBy.email} asks`
        : 'You are asked';
      const lines = [
        `${who} you to approve: ${request.action} "${request.title}".`,
        ...(request.note ? ['', `Note: ${request.note}`] : []),
        '',
        `Open it in Strapi: ${link}`,
        '',
        'Reply to this email with APPROVE or REJECT on the first line.',
        'Anything after that first line becomes your comment.',
        request.policy === 'all' ? 'Every approver must approve.' : 'The first answer decides.',
        request.expiresAt
          ? `This request expires on ${new Date(request.expiresAt).toUTCString()}.`
          : '',
        '',
        `Ref: ${ref}`,
      ];
      const escape = (s: string) =>
        s.replace(
          /[&<>"]/g,
          (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!
        );
      await email().send({
        to: address,
        replyTo: replyTo || undefined,
        subject: `Approval requested: ${request.title} [Ref: ${ref}]`,
        text: lines.join('\n'),
        html: lines
          .map((l) =>
            l.startsWith('Open it')
              ? `<p><a href="${escape(link)}">Open it in Strapi</a></p>`
              : `<p>${escape(l)}</p>`
          )
          .join(''),
        messageId,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      });
      return messageId;
    },

    /**
     * Queues an answer and returns at once, unless the outbox is full (then it waits for room).
     * Decisions must not wait for the SMTP server: Microsoft 365 accepts some 30 messages a
     * minute from one mailbox, far fewer than a backlog of replies is decided in.
     */
    async queueAnswer(answer: Answer): Promise<void> {
      while (outbox.size >= MAX_QUEUED_ANSWERS) await Promise.race(outbox);
      const sent: Promise<void> = sendAnswer(answer)
        .catch((err: Error) => {
          strapi.log.warn(`[mail-server] could not answer ${answer.to}: ${err.message}`);
        })
        .finally(() => outbox.delete(sent));
      outbox.add(sent);
    },

    /** Answers queued and not yet sent (or failed). */
    queuedAnswers: () => outbox.size,

    /** Resolves when every queued answer is sent, or after `timeoutMs` (then logs what is left). */
    async flush(timeoutMs = Infinity): Promise<void> {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        if (timeoutMs !== Infinity) timer = setTimeout(resolve, timeoutMs);
      });
      while (outbox.size > 0) {
        const settled = await Promise.race([Promise.all(outbox).then(() => true), timeout]);
        if (!settled) break;
      }
      clearTimeout(timer);
      if (outbox.size > 0) {
        strapi.log.warn(`[mail-server] ${outbox.size} answer(s) to approvers were not sent`);
      }
    },
  };
};

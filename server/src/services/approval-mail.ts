/**
 * The emails of the approval protocol: the request to each approver (signed reference in the
 * subject, body and Message-ID; Reply-To the approvals mailbox; marked auto-generated so
 * auto-responders stay quiet) and the short answer to an approver's reply.
 *
 * Both are outbox messages (services/outbox.ts), written in the transaction of the rows they
 * belong to: a request exists with all its emails or not at all, an answer exists if and only
 * if the decision it reports was recorded, and both survive a restart or a mail server down.
 */
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import { messageIdFor, referenceFor, type ComposedMessage, type OutgoingMessage } from '../mail';
import { getService } from '../utils/get-service';
import type { ApprovalRow } from '../approvals/types';
import { approvalMailbox } from '../approvals/mailbox';
import type { Answer } from '../approvals/reasons';
import { describeRecipients } from './outbound-messages';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /**
   * Composes a message as the email service would send it and keeps it in the outbox, inside
   * `trx` when given; it goes out once that commits.
   */
  async function keep(
    options: OutgoingMessage,
    trx?: Knex,
    composed?: ComposedMessage
  ): Promise<string> {
    composed ??= await compose(options);
    await getService(strapi, 'outbox').enqueue(
      {
        composed,
        recipients: describeRecipients(options),
        subject: String(options.subject ?? ''),
        displayMessageId: composed.messageId,
        attempts: 0,
      },
      trx
    );
    return composed.messageId;
  }

  function compose(options: OutgoingMessage): Promise<ComposedMessage> {
    // The app's defaults, as the provider would pass them (Settings → Mail Server's come first).
    const app = (strapi.config.get('plugin::email.settings') ?? {}) as {
      defaultFrom?: string;
      defaultReplyTo?: string;
    };
    return getService(strapi, 'transport').compose(options, {
      from: app.defaultFrom,
      replyTo: app.defaultReplyTo,
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
    /**
     * Keeps the request to one approver in the outbox, in `trx` (the request's own transaction);
     * returns the Message-ID it carries.
     */
    async queueRequest(
      request: ApprovalRow,
      approver: number,
      adminUrl: string,
      trx?: Knex
    ): Promise<string> {
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
      await keep(
        {
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
        },
        trx
      );
      return messageId;
    },

    /**
     * Keeps an answer as approvals/reasons.ts worded it, in `trx` (the batch that recorded the
     * decision it reports). Decisions never wait for the SMTP server: Microsoft 365 accepts
     * some 30 messages a minute from one mailbox, far fewer than a backlog is decided in.
     */
    async queueAnswer({ to, inReplyTo, subject, text }: Answer, trx?: Knex): Promise<void> {
      const options: OutgoingMessage = {
        to,
        subject,
        text,
        inReplyTo: inReplyTo ?? undefined,
        references: inReplyTo ?? undefined,
        // RFC 3834: an automatic answer; well-behaved responders will not answer it back.
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
      };
      let composed: ComposedMessage;
      try {
        composed = await compose(options);
      } catch (err) {
        // No SMTP settings (or a bad address): the decision stands, only its answer is lost.
        strapi.log.warn(
          `[mail-server] could not answer an approver (${(err as { code?: string }).code ?? 'error'})`
        );
        return;
      }
      await keep(options, trx, composed);
    },
  };
};

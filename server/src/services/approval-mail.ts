/**
 * The emails of the approval protocol: the request to each approver (the entry, what changed,
 * Approve / Reject buttons, in the approver's language — approvals/email/; signed reference in
 * the subject, body and Message-ID; Reply-To the approvals mailbox; marked auto-generated so
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
import { answerText, type Answer } from '../approvals/reasons';
import { describeRecipients } from './outbound-messages';
import { PluginError } from '../errors';
import { approverLanguages, loadEntryView } from '../approvals/email/load';
import { defuseReferences } from '../approvals/email/escape';
import { translator } from '../approvals/email/i18n';
import {
  emailLanguage,
  renderTemplate,
  sign,
  type EmailTemplate,
  type RequestFacts,
} from '../approvals/email';

/** A request about to be created: what its emails say (approvals.ts fills it in). */
export interface RequestDraft {
  target: { uid: string; documentId: string; locale: string | null };
  title: string;
  action: string;
  approvers: string[];
  policy: 'any' | 'all';
  expiresAt: Date;
  note: string | null;
  requestedBy: { id?: number; email?: string } | null;
}

/** The request's emails, rendered, waiting for the request's id to be signed. */
export interface PreparedRequest {
  /** the language of each approver's email, by approver index */
  languages: string[];
  templates: Map<string, EmailTemplate>;
  replyTo: string;
}

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

  /**
   * Keeps an email that reports a decision (an answer, the requester's notice). One that cannot
   * be composed (no SMTP settings, a bad address) is only logged: the decision stands, only its
   * email is lost.
   */
  async function keepBesideDecision(options: OutgoingMessage, trx: Knex | undefined, what: string) {
    let composed: ComposedMessage;
    try {
      composed = await compose(options);
    } catch (err) {
      strapi.log.warn(
        `[mail-server] could not ${what} (${(err as { code?: string }).code ?? 'error'})`
      );
      return;
    }
    await keep(options, trx, composed);
  }

  /**
   * The request email for one approver: the template of their language with their signed
   * reference filled in, and the Message-ID that carries the same signature.
   */
  async function signedFor(request: ApprovalRow, approver: number, prepared: PreparedRequest) {
    const key = getService(strapi, 'secrets').signingKey();
    const address = request.approvers[approver]!;
    const ref = referenceFor(key, { requestId: request.id, approver }, address);
    const { domain } = await mailbox();
    const messageId = messageIdFor(key, { requestId: request.id, approver }, address, domain);
    const signed = sign(prepared.templates.get(prepared.languages[approver] ?? 'en')!, ref);
    const email: OutgoingMessage = {
      to: address,
      replyTo: prepared.replyTo || undefined,
      subject: signed.subject,
      text: signed.text,
      html: signed.html,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    };
    return { email, messageId };
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

  /** Strapi's public addresses (server.url / admin.url, made absolute by Strapi at boot). */
  function publicUrls() {
    const clean = (v: unknown) => String(v ?? '').replace(/\/$/, '');
    const serverUrl = clean(strapi.config.get('server.absoluteUrl', ''));
    return { serverUrl, adminUrl: clean(strapi.config.get('admin.absoluteUrl', serverUrl)) };
  }

  /** The entry's edit view in the admin panel (its locale selected when it has one). */
  function entryLink(adminUrl: string, target: RequestDraft['target']): string | null {
    if (!/^https?:\/\//i.test(adminUrl)) return null;
    // Uids keep their "::" (the admin's routes name them so); anything unexpected is encoded.
    const segment = (v: string) => v.replace(/[^A-Za-z0-9:._-]/g, (c) => encodeURIComponent(c));
    const kind = (strapi.contentType(target.uid as never) as { kind?: string } | undefined)?.kind;
    const path =
      kind === 'singleType'
        ? `single-types/${segment(target.uid)}`
        : `collection-types/${segment(target.uid)}/${segment(target.documentId)}`;
    const locale = target.locale
      ? `?plugins[i18n][locale]=${encodeURIComponent(target.locale)}`
      : '';
    return `${adminUrl}/content-manager/${path}${locale}`;
  }

  return {
    /**
     * Renders the request's emails (one per language among its approvers) before the request
     * exists, so that the markdown and MJML work stays out of the request's transaction; the
     * request's reference is filled in per approver by `queueRequest`, inside it.
     */
    async prepareRequest(
      draft: RequestDraft,
      { reminder = false }: { reminder?: boolean } = {}
    ): Promise<PreparedRequest> {
      const view = await loadEntryView(strapi, draft.target);
      if (!view)
        throw new PluginError('ENOTFOUND', 'The entry does not exist.', undefined, ['documentId']);
      const { serverUrl, adminUrl } = publicUrls();
      const { address: replyTo } = await mailbox();
      const facts: RequestFacts = {
        title: draft.title,
        action: draft.action,
        requester: draft.requestedBy?.email ?? null,
        note: draft.note,
        policy: draft.policy,
        expiresAt: draft.expiresAt,
        link: entryLink(adminUrl, draft.target),
        replyTo,
        serverUrl,
        reminder,
      };
      const preferences = await approverLanguages(strapi, draft.approvers);
      const languages = draft.approvers.map((a) => emailLanguage(preferences.get(a)));
      const templates = new Map<string, EmailTemplate>();
      for (const language of new Set(languages)) {
        templates.set(language, await renderTemplate(view, facts, language));
      }
      return { languages, templates, replyTo };
    },

    /**
     * Keeps the request to one approver in the outbox, in `trx` (the request's own transaction);
     * returns the Message-ID it carries.
     */
    async queueRequest(
      request: ApprovalRow,
      approver: number,
      prepared: PreparedRequest,
      trx?: Knex
    ): Promise<string> {
      const { email, messageId } = await signedFor(request, approver, prepared);
      await keep({ ...email, messageId }, trx);
      return messageId;
    },

    /**
     * Keeps the reminder to one approver in the outbox, in `trx` (the one that marks the request
     * reminded). Its own Message-ID (the request's is taken), threaded below the request, so a
     * reply to either finds the request: by its threading headers or by the Ref token.
     */
    async queueReminder(
      request: ApprovalRow,
      approver: number,
      prepared: PreparedRequest,
      trx?: Knex
    ): Promise<void> {
      const { email, messageId: original } = await signedFor(request, approver, prepared);
      await keep({ ...email, inReplyTo: original, references: original }, trx);
    },

    /**
     * Tells the requester how their request was decided, in the transaction that records the
     * decision (approvals.ts `decide`; the outbox joins it): the notice exists if and only if
     * the decision does. In the requester's admin language; no reference in it, so a reply to
     * it can never decide anything.
     */
    async queueDecisionNotice(
      request: ApprovalRow,
      decision: { approver: string; decision: 'approve' | 'reject'; comment?: string | null }
    ): Promise<void> {
      const to = request.requestedBy?.email;
      if (!to) return;
      const language = emailLanguage((await approverLanguages(strapi, [to])).get(to));
      const t = translator(language);
      const title = defuseReferences(request.title.replace(/[\r\n\t]+/g, ' '));
      const approved = decision.decision === 'approve';
      const link = entryLink(publicUrls().adminUrl, {
        uid: request.targetUid,
        documentId: request.targetDocumentId,
        locale: request.targetLocale,
      });
      const lines = [
        t(approved ? 'approvedBy' : 'rejectedBy', { who: decision.approver, title }),
        ...(decision.comment ? ['', `${t('comment')}:`, defuseReferences(decision.comment)] : []),
        ...(link ? ['', `${t('open')}: ${link}`] : []),
      ];
      // A reply to the notice is a conversation with the approver, not a message for the
      // approvals mailbox (where it would only be held as naming no request).
      const approverAddress = /^[^\s@<>"]+@[^\s@<>"]+$/.test(decision.approver)
        ? decision.approver
        : undefined;
      const options: OutgoingMessage = {
        to,
        replyTo: approverAddress,
        subject: t(approved ? 'approvedSubject' : 'rejectedSubject', { title }),
        text: `${lines.join('\n')}\n`,
        headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
      };
      await keepBesideDecision(options, undefined, 'tell the requester');
    },

    /**
     * Keeps an answer as approvals/reasons.ts worded it, in `trx` (the batch that recorded the
     * decision it reports). Decisions never wait for the SMTP server: Microsoft 365 accepts
     * some 30 messages a minute from one mailbox, far fewer than a backlog is decided in.
     */
    async queueAnswer({ to, inReplyTo, subject, words }: Answer, trx?: Knex): Promise<void> {
      // In the approver's admin language, as the request was.
      const language = emailLanguage((await approverLanguages(strapi, [to])).get(to));
      const options: OutgoingMessage = {
        to,
        subject,
        text: answerText(words, language),
        inReplyTo: inReplyTo ?? undefined,
        references: inReplyTo ?? undefined,
        // RFC 3834: an automatic answer; well-behaved responders will not answer it back.
        headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All' },
      };
      await keepBesideDecision(options, trx, 'answer an approver');
    },
  };
};

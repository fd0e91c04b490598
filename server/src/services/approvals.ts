/**
 * Approval requests: create one and email each approver, record decisions, run the action
 * (publish by default; applications register their own) and emit events for app code.
 */
import type { Core } from '@strapi/strapi';
import {
  approvalRequestInputSchema,
  type ApprovalDecision,
  type ApprovalEntry,
  type ApprovalReply,
  type ApprovalRequestInput,
} from '../../../shared/contracts/approval';
import { PluginError } from '../errors';
import { getService } from '../utils/get-service';
import { getPluginConfig } from '../utils/plugin-config';
import { parseInput } from '../utils/validate';
import type approvalAccess from './approval-access';
import type { EntryPermission } from './approval-access';
import type { ApprovalRow } from '../approvals/types';
import { entriesOf } from '../approvals/entries';
import { repliesOf } from '../approvals/replies';

export const APPROVAL_UID = 'plugin::mail-server.approval';

/** A request as GET /approvals lists it: the row, its entry and its replies. */
export type ApprovalListRow = Omit<ApprovalRow, 'title'> & {
  title: string | null;
  entry?: ApprovalEntry;
  replies: ApprovalReply[];
};

export type ApprovalAction = (ctx: {
  strapi: Core.Strapi;
  request: ApprovalRow;
}) => Promise<unknown>;

type Ability = Parameters<ReturnType<typeof approvalAccess>['checkRequester']>[0];
/** Requests one user may make per hour unless the config says otherwise. */
const HOUR_MS = 3_600_000;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const actions = new Map<string, ApprovalAction>();
  /** What an approver's role must be allowed on the entry for each action. */
  const permissions = new Map<string, EntryPermission>([['publish', 'publish']]);
  const query = () => strapi.db.query(APPROVAL_UID);
  const access = () => getService(strapi, 'approval-access');

  // The default action: publish the draft through the Document Service.
  actions.set('publish', async ({ strapi: s, request }) => {
    const docs = s.documents(request.targetUid as never) as unknown as {
      publish?: (p: { documentId: string; locale?: string }) => Promise<unknown>;
    };
    if (!docs.publish) throw new Error(`${request.targetUid} has no draft & publish`);
    return docs.publish({
      documentId: request.targetDocumentId,
      locale: request.targetLocale ?? undefined,
    });
  });

  /** The version stamp of the draft: a reply is refused when the entry changed since. */
  async function entryVersion(uid: string, documentId: string, locale?: string | null) {
    const entry = (await strapi
      .documents(uid as never)
      .findOne({ documentId, locale: locale ?? undefined, status: 'draft' } as never)) as Record<
      string,
      unknown
    > | null;
    if (!entry) return null;
    return { version: new Date(entry.updatedAt as string).toISOString(), entry };
  }

  /**
   * The same stamp, read straight from the draft row: the Document Service would open a
   * transaction and build a whole entry just to check a date, for every reply of a backlog.
   * A request without a locale on a localized type matches several rows: asked the long way.
   */
  async function draftVersion(request: ApprovalRow): Promise<string | null> {
    const rows = await strapi.db.query(request.targetUid as never).findMany({
      where: {
        documentId: request.targetDocumentId,
        publishedAt: null,
        ...(request.targetLocale ? { locale: request.targetLocale } : {}),
      },
      select: ['updatedAt'],
      limit: 2,
    });
    if (rows.length === 1) return new Date(rows[0].updatedAt as string).toISOString();
    const current = await entryVersion(
      request.targetUid,
      request.targetDocumentId,
      request.targetLocale
    );
    return current?.version ?? null;
  }

  /**
   * Requests per user and hour, counted in the database so every instance agrees. Each request
   * emails its approvers from the organisation's mailbox: without a limit one account could
   * use it to mail anyone, as often as it likes.
   */
  async function checkRate(userId: number) {
    const limit = getPluginConfig(strapi).approvals.maxRequestsPerHour;
    const recent = (await query().findMany({
      where: { createdAt: { $gt: new Date(Date.now() - HOUR_MS) } },
      select: ['requestedBy'],
    })) as Array<{ requestedBy: { id?: number } | null }>;
    const mine = recent.filter((r) => r.requestedBy?.id === userId).length;
    if (mine >= limit) {
      throw new PluginError(
        'ERATELIMIT',
        `You have made ${mine} approval requests in the last hour; the limit is ${limit}.`,
        'Wait a while, or ask an administrator to raise approvals.maxRequestsPerHour.'
      );
    }
  }

  /** Events reach application code once the decision is committed, never for a rollback. */
  async function emitAfterCommit(event: string, payload: Record<string, unknown>) {
    const emit = () =>
      void Promise.resolve(strapi.eventHub.emit(event, payload)).catch((err: Error) =>
        strapi.log.warn(`[mail-server] a listener of ${event} failed: ${err.message}`)
      );
    if (!strapi.db.inTransaction()) return emit();
    // Nested: joins the caller's transaction and queues the event for its commit.
    await strapi.db.transaction(async ({ onCommit }) => onCommit(emit));
  }

  /**
   * One request's reminders: rendered before the transaction, as for the request itself, then
   * kept in the outbox in the transaction of the conditional update that marks it reminded.
   * False when another instance got there first.
   */
  async function remindOne(request: ApprovalRow, waiting: Array<{ index: number }>, now: Date) {
    const mail = getService(strapi, 'approval-mail');
    const prepared = await mail.prepareRequest(
      {
        target: {
          uid: request.targetUid,
          documentId: request.targetDocumentId,
          locale: request.targetLocale,
        },
        title: request.title,
        action: request.action,
        approvers: request.approvers,
        policy: request.policy,
        expiresAt: new Date(request.expiresAt!),
        note: request.note,
        requestedBy: request.requestedBy,
      },
      { reminder: true }
    );
    return strapi.db.transaction(async ({ trx }) => {
      const { count } = await query().updateMany({
        where: { id: request.id, status: 'pending', remindedAt: { $null: true } },
        data: { remindedAt: now },
      });
      if (count !== 1) return false;
      for (const { index } of waiting) await mail.queueReminder(request, index, prepared, trx);
      return true;
    });
  }

  return {
    /**
     * A custom action. `permission` is what each approver's role must be allowed on the entry
     * (a Content Manager action); publish unless said otherwise, the strictest common one.
     */
    registerAction(
      name: string,
      handler: ApprovalAction,
      { permission = 'publish' }: { permission?: EntryPermission } = {}
    ) {
      actions.set(name, handler);
      permissions.set(name, permission);
    },

    permissionFor: (action: string): EntryPermission => permissions.get(action) ?? 'publish',

    hasAction: (name: string) => actions.has(name),

    entryVersion,

    draftVersion,

    /**
     * Creates a request and emails every approver. `ability` is the requesting admin's (from
     * the API): they must be allowed to read and update the entry. Server code calling this
     * directly is trusted; the approvers are checked either way.
     */
    async request(
      input: ApprovalRequestInput,
      requestedBy?: { id?: number; email?: string },
      { ability }: { ability?: Ability } = {}
    ) {
      const params = parseInput(approvalRequestInputSchema, input);
      const contentType = strapi.contentTypes[params.uid as keyof typeof strapi.contentTypes] as
        { options?: { draftAndPublish?: boolean }; info?: { displayName?: string } } | undefined;
      if (!contentType)
        throw new PluginError('ECONFIG', `Unknown content type ${params.uid}.`, undefined, ['uid']);
      if (!actions.has(params.action)) {
        throw new PluginError('ECONFIG', `Unknown approval action "${params.action}".`, undefined, [
          'action',
        ]);
      }
      if (params.action === 'publish' && !contentType.options?.draftAndPublish) {
        throw new PluginError('ECONFIG', `${params.uid} has no draft & publish.`, undefined, [
          'uid',
        ]);
      }
      const current = await entryVersion(params.uid, params.documentId, params.locale);
      if (!current)
        throw new PluginError('ENOTFOUND', 'The entry does not exist.', undefined, ['documentId']);
      const entry = current.entry;
      const target = {
        uid: params.uid,
        documentId: params.documentId,
        locale: params.locale ?? (entry.locale as string | null | undefined) ?? null,
      };
      const row = await access().entity(target);
      if (!row)
        throw new PluginError('ENOTFOUND', 'The entry does not exist.', undefined, ['documentId']);
      if (ability) access().checkRequester(ability, target, row);
      if (requestedBy?.id !== undefined) await checkRate(requestedBy.id);
      await access().checkApprovers(
        params.approvers,
        target,
        permissions.get(params.action) ?? 'publish',
        row
      );
      const title = String(
        entry.title ?? entry.name ?? entry.documentId ?? params.documentId
      ).slice(0, 200);
      const mail = getService(strapi, 'approval-mail');
      const data = {
        targetUid: params.uid,
        targetDocumentId: params.documentId,
        // The locale the entry was found in (the default one when none was given), so that
        // later checks and the action address exactly this entry.
        targetLocale: target.locale,
        title,
        action: params.action,
        approvers: params.approvers,
        policy: params.policy,
        status: 'pending' as const,
        expiresAt: new Date(Date.now() + params.expiresIn * 1000),
        note: params.note ?? null,
        requestedBy: requestedBy ?? null,
        entryVersion: current.version,
        decisions: [],
      };
      // The emails are rendered first (reads and layout, no lock held), then the request and
      // its emails go in one transaction: with the mail server down the emails wait in the
      // outbox; a request that cannot be composed (no SMTP settings) is not created.
      const prepared = await mail.prepareRequest({ ...data, target });
      const created = await strapi.db.transaction(async ({ trx }) => {
        const row = (await query().create({ data })) as ApprovalRow;
        for (const [index] of params.approvers.entries()) {
          await mail.queueRequest(row, index, prepared, trx);
        }
        return row;
      });
      await emitAfterCommit('mail-server.approval.requested', { request: created });
      return created;
    },

    async findOne(id: number): Promise<ApprovalRow | null> {
      return (await query().findOne({ where: { id } })) as ApprovalRow | null;
    },

    /**
     * The requests, newest first, each with its entry (title, type, edit view; see
     * approvals/entries.ts) and every reply that referred to it: the audit trail. `ability`
     * is the reading admin's: without read access to a type they get no title of its entries.
     */
    async list(
      filter: { status?: string; uid?: string; documentId?: string } = {},
      { ability }: { ability?: Ability } = {}
    ): Promise<ApprovalListRow[]> {
      const where: Record<string, unknown> = {};
      if (filter.status) where.status = filter.status;
      if (filter.uid) where.targetUid = filter.uid;
      if (filter.documentId) where.targetDocumentId = filter.documentId;
      const rows = (await query().findMany({
        where,
        orderBy: { id: 'desc' },
        limit: 200,
      })) as ApprovalRow[];
      const [entries, replies] = await Promise.all([
        entriesOf(strapi, rows, ability as never),
        repliesOf(
          strapi,
          rows.map((r) => r.id)
        ),
      ]);
      return rows.map((row) => {
        const entry = entries.get(row.id);
        return {
          ...row,
          // The stored title is the entry's too: not for an admin who may not read it.
          title: entry && !entry.readable ? null : row.title,
          entry,
          replies: replies.get(row.id) ?? [],
        };
      });
    },

    /** Cancels a pending request: ENOTFOUND for no such request, ENOTPENDING once decided. */
    async cancel(id: number): Promise<ApprovalRow> {
      const { count } = await query().updateMany({
        where: { id, status: 'pending' },
        data: { status: 'cancelled' },
      });
      const row = await this.findOne(id);
      if (!row) throw new PluginError('ENOTFOUND', 'No such approval request.');
      if (count !== 1)
        throw new PluginError('ENOTPENDING', 'Only a pending request can be cancelled.');
      return row;
    },

    /**
     * Reminds, once, the approvers who have not answered a request that expires within
     * `approvals.reminderBeforeHours` and has lived at least half its time (a request asked for
     * one hour is not "reminded" the minute it was sent). Exactly once across instances: the
     * reminder emails are kept in the outbox in the transaction of a conditional update of the
     * request's `remindedAt` (only the instance whose update changed the row sends). Returns
     * how many requests were reminded.
     */
    async remindDue(now = new Date()): Promise<number> {
      const hours = getPluginConfig(strapi).approvals.reminderBeforeHours;
      if (!hours) return 0;
      const due = (await query().findMany({
        where: {
          status: 'pending',
          remindedAt: { $null: true },
          expiresAt: { $gt: now, $lte: new Date(now.getTime() + hours * HOUR_MS) },
        },
        orderBy: { expiresAt: 'asc' },
        limit: 100,
      })) as ApprovalRow[];
      let reminded = 0;
      for (const request of due) {
        const created = new Date(request.createdAt ?? 0).getTime();
        const expires = new Date(request.expiresAt!).getTime();
        if (now.getTime() - created < (expires - created) / 2) continue;
        const answered = new Set((request.decisions ?? []).map((d) => d.approver.toLowerCase()));
        const waiting = request.approvers
          .map((address, index) => ({ address, index }))
          .filter(({ address }) => !answered.has(address.toLowerCase()));
        if (waiting.length === 0) continue;
        try {
          if (await remindOne(request, waiting, now)) reminded += 1;
        } catch (err) {
          // The entry is gone, or the email cannot be composed: not tried again on every pass.
          strapi.log.warn(
            `[mail-server] no reminder for approval request ${request.id}: ${(err as Error).message}`
          );
          await query().updateMany({
            where: { id: request.id, remindedAt: { $null: true } },
            data: { remindedAt: now },
          });
        }
      }
      return reminded;
    },

    /**
     * Marks every pending request past its expiry as expired; returns how many. Reminds the
     * approvers of those about to expire first (`remindDue`): the expiry check runs on one
     * instance at a time, and a failed reminder never stops the expiry.
     */
    async expireDue(now = new Date()) {
      await this.remindDue(now).catch((err: Error) =>
        strapi.log.warn(`[mail-server] approval reminders failed: ${err.message}`)
      );
      // The due ids first, by a plain read, then only those rows: an UPDATE with this WHERE
      // locks every row it scans on MySQL/MariaDB, in id order, and deadlocks with a batch
      // deciding requests in reply order.
      const due = (await query().findMany({
        where: { status: 'pending', expiresAt: { $lt: now } },
        select: ['id'],
      })) as Array<{ id: number }>;
      if (due.length === 0) return 0;
      const { count } = await query().updateMany({
        where: { id: { $in: due.map((r) => r.id) }, status: 'pending', expiresAt: { $lt: now } },
        data: { status: 'expired', decidedAt: now },
      });
      return count;
    },

    /**
     * Records one approver's decision (inside the caller's transaction) and, when it settles
     * the request, runs its action. The status update is conditional on `pending`, so two
     * instances can never both settle the same request.
     */
    async decide(request: ApprovalRow, decision: ApprovalDecision): Promise<ApprovalRow['status']> {
      const decisions = [...(request.decisions ?? []), decision];
      const approvals = new Set(
        decisions.filter((d) => d.decision === 'approve').map((d) => d.approver)
      );
      const status: ApprovalRow['status'] =
        decision.decision === 'reject'
          ? 'rejected'
          : request.policy === 'any' || request.approvers.every((a) => approvals.has(a))
            ? 'approved'
            : 'pending';
      const { count } = await query().updateMany({
        where: { id: request.id, status: 'pending' },
        data: { decisions, status, decidedAt: status === 'pending' ? null : new Date() },
      });
      if (count !== 1) throw new PluginError('ECONFLICT', 'The request changed while deciding.');
      const updated = { ...request, decisions, status };
      if (status === 'approved') {
        await actions.get(request.action)!({ strapi, request: updated });
      }
      if (status !== 'pending') {
        // In this transaction too (the outbox joins it): told if and only if decided.
        await getService(strapi, 'approval-mail').queueDecisionNotice(updated, decision);
        await emitAfterCommit('mail-server.approval.decided', { request: updated, decision });
      }
      return status;
    },
  };
};

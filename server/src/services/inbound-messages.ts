/**
 * Replies that were not accepted, for an admin to review: Accept applies the decision the
 * reply carried (the admin vouches for it, e.g. the approver wrote from another address),
 * Discard closes it. Both are recorded on the inbound-message row.
 */
import type { Core } from '@strapi/strapi';
import type {
  InboundList,
  InboundListQuery,
  InboundRow,
} from '../../../shared/contracts/inbound-message';
import { redactRefs } from '../mail';
import { READ } from '../approvals/entries';
import { APPROVAL_UID } from './approvals';
import { PluginError } from '../errors';
import { getService } from '../utils/get-service';
import { getPluginConfig } from '../utils/plugin-config';
import type approvalAccess from './approval-access';

/** Every email the approvals mailbox received, recorded by the inbox job (services/inbox/). */
export const INBOUND_UID = 'plugin::mail-server.inbound-message';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const query = () => strapi.db.query(INBOUND_UID);
  const reviewable = async (id: number) => {
    const row = await query().findOne({ where: { id } });
    if (!row) throw new PluginError('ENOTFOUND', 'No such message.');
    if (row.verdict !== 'quarantined' || row.resolution) {
      throw new PluginError('ENOTQUARANTINED', 'This message is not waiting for a review.');
    }
    return row;
  };

  /** The requests among `rows` whose content type `ability` may not read (none for server code). */
  async function unreadableRequests(
    rows: Array<Record<string, unknown>>,
    ability?: { can(action: string, subject?: unknown): boolean }
  ): Promise<Set<number>> {
    const ids = [...new Set(rows.map((r) => r.requestId).filter((id) => typeof id === 'number'))];
    if (!ability || ids.length === 0) return new Set();
    const requests = (await strapi.db.query(APPROVAL_UID).findMany({
      where: { id: { $in: ids } },
      select: ['id', 'targetUid'],
    })) as Array<{ id: number; targetUid: string }>;
    return new Set(requests.filter((r) => !ability.can(READ, r.targetUid)).map((r) => r.id));
  }

  return {
    /**
     * The answer of GET /inbound-messages (shared/contracts/inbound-message.ts
     * `inboundListSchema`): every reply the mailbox received, newest first, a page at a time.
     */
    async list(
      filter: InboundListQuery,
      { ability }: { ability?: { can(action: string, subject?: unknown): boolean } } = {}
    ): Promise<InboundList> {
      const where: Record<string, unknown> = {};
      if (filter.verdict) where.verdict = filter.verdict;
      if (filter.requestId) where.requestId = filter.requestId;
      const [rows, total] = await Promise.all([
        query().findMany({
          where,
          orderBy: { id: 'desc' },
          limit: filter.pageSize,
          offset: (filter.page - 1) * filter.pageSize,
        }),
        query().count({ where }),
      ]);
      // The raw message stays on the server; the list shows what a reviewer needs, without
      // approval signatures (a reference and a forged From are half of a decision).
      // A reply's subject and comment speak of its request's entry (the request email's subject
      // is the entry's title): not for an admin whose role may not read that content type, as
      // the approvals list withholds the title.
      const hidden = await unreadableRequests(rows, ability);
      const data = rows.map(({ raw: _raw, ...row }: Record<string, unknown>) => {
        const withheld = hidden.has(row.requestId as number);
        return {
          ...(row as InboundRow),
          subject: withheld ? null : redactRefs(row.subject as string | undefined),
          messageId: redactRefs(row.messageId as string | undefined),
          comment: withheld ? null : redactRefs(row.comment as string | undefined),
        };
      });
      const { page, pageSize } = filter;
      return {
        data,
        meta: { pagination: { page, pageSize, total, pageCount: Math.ceil(total / pageSize) } },
      };
    },

    /**
     * Applies the decision a held reply carried, as the approver it names. The admin vouches
     * for who sent it; they cannot vouch for what the approver saw, so a request past its
     * expiry or an entry changed since the request needs `confirmCurrentVersion` (recorded),
     * and both the approver and the admin must still be allowed the action by their roles.
     */
    async accept(
      id: number,
      admin: {
        id?: number;
        email: string;
        ability?: Parameters<ReturnType<typeof approvalAccess>['checkRequester']>[0];
        confirmCurrentVersion?: boolean;
      }
    ) {
      const row = await reviewable(id);
      if (!row.requestId || (row.decision !== 'approve' && row.decision !== 'reject')) {
        throw new PluginError(
          'ENODECISION',
          'This message carries no decision for a request; discard it instead.'
        );
      }
      const approvals = getService(strapi, 'approvals');
      const access = getService(strapi, 'approval-access');
      await strapi.db.transaction(async () => {
        const request = await approvals.findOne(row.requestId);
        if (!request || request.status !== 'pending') {
          throw new PluginError('ENOTPENDING', 'The request is no longer pending.');
        }
        const target = {
          uid: request.targetUid,
          documentId: request.targetDocumentId,
          locale: request.targetLocale,
        };
        const permission = approvals.permissionFor(request.action);
        const current = await approvals.draftVersion(request);
        const late = !!request.expiresAt && new Date(request.expiresAt) < new Date();
        const changed = current !== request.entryVersion;
        if ((late || changed) && !admin.confirmCurrentVersion) {
          throw new PluginError(
            'ECONFIRM',
            changed
              ? 'The entry changed after the request was sent: the approver did not see this version.'
              : 'The request expired before this reply was accepted.',
            'Check the entry as it is now, then accept again and confirm the current version.'
          );
        }
        const approver = (row.approver ?? row.fromAddress) as string;
        const by = await access.approverUser(approver, target, permission);
        if (!by) {
          throw new PluginError(
            'EAPPROVER',
            `${approver} is no longer an active admin user whose role may ${permission} this entry.`
          );
        }
        if (!(await access.requesterAllowed(request.requestedBy, target))) {
          throw new PluginError(
            'EREQUESTER',
            'The admin user who asked for this approval may no longer read and update the entry.'
          );
        }
        const entry = await access.entity(target);
        if (admin.ability && entry && !access.can(admin.ability, target.uid, permission, entry)) {
          throw new PluginError(
            'EFORBIDDEN',
            `Your role may not ${permission} this entry, so it may not accept a decision on it.`
          );
        }
        const confirmed = (late || changed) && current ? { confirmedVersion: current } : {};
        await approvals.decide(request, {
          approver,
          decision: row.decision,
          comment: row.comment ?? '',
          at: new Date().toISOString(),
          inboundMessageId: row.id,
          by,
          acceptedBy: { id: admin.id, email: admin.email, ...confirmed },
        });
        const note = confirmed.confirmedVersion
          ? ` for the version of ${confirmed.confirmedVersion}`
          : '';
        await query().update({
          where: { id },
          data: { verdict: 'applied', resolution: `accepted by ${admin.email}${note}` },
        });
      });
      return query().findOne({
        where: { id },
        select: ['id', 'verdict', 'resolution', 'reason', 'requestId'],
      });
    },

    async discard(id: number, by: string) {
      await reviewable(id);
      await query().update({ where: { id }, data: { resolution: `discarded by ${by}` } });
      return query().findOne({
        where: { id },
        select: ['id', 'verdict', 'resolution', 'reason', 'requestId'],
      });
    },

    /**
     * Deletes rows older than `inbox.retentionDays` (spam would grow the table without end);
     * a held reply nobody reviewed yet stays, with its raw message, until it is reviewed.
     * A reply delivered again after its row is gone decides nothing twice: its request is no
     * longer pending. Returns how many rows went.
     */
    async prune(now = Date.now()): Promise<number> {
      const days = getPluginConfig(strapi).inbox.retentionDays;
      const before = new Date(now - days * 86_400_000);
      const result = await query().deleteMany({
        where: {
          createdAt: { $lt: before },
          $or: [{ verdict: { $in: ['applied', 'ignored'] } }, { resolution: { $notNull: true } }],
        },
      });
      return result.count;
    },
  };
};

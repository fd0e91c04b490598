/**
 * Replies that were not accepted, for an admin to review: Accept applies the decision the
 * reply carried (the admin vouches for it, e.g. the approver wrote from another address),
 * Discard closes it. Both are recorded on the inbound-message row.
 */
import type { Core } from '@strapi/strapi';
import { PluginError } from '../errors';
import { getService } from '../utils/get-service';
import { INBOUND_UID } from './inbox';

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

  return {
    async list(filter: { verdict?: string; requestId?: number }) {
      const where: Record<string, unknown> = {};
      if (filter.verdict) where.verdict = filter.verdict;
      if (filter.requestId) where.requestId = filter.requestId;
      const rows = await query().findMany({ where, orderBy: { id: 'desc' }, limit: 200 });
      // The raw message stays on the server; the list shows what a reviewer needs.
      return rows.map(({ raw: _raw, ...row }: Record<string, unknown>) => row);
    },

    async accept(id: number, by: string) {
      const row = await reviewable(id);
      if (!row.requestId || (row.decision !== 'approve' && row.decision !== 'reject')) {
        throw new PluginError(
          'ENODECISION',
          'This message carries no decision for a request; discard it instead.'
        );
      }
      const approvals = getService(strapi, 'approvals');
      await strapi.db.transaction(async () => {
        const request = await approvals.findOne(row.requestId);
        if (!request || request.status !== 'pending') {
          throw new PluginError('ENOTPENDING', 'The request is no longer pending.');
        }
        await approvals.decide(request, {
          approver: row.approver ?? row.fromAddress,
          decision: row.decision,
          comment: row.comment ?? '',
          at: new Date().toISOString(),
          inboundMessageId: row.id,
        });
        await query().update({
          where: { id },
          data: { verdict: 'applied', resolution: `accepted by ${by}` },
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
  };
};

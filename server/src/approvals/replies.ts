/**
 * The replies that referred to each request, for its audit trail: who wrote, when, what the
 * inbox made of it and who reviewed it. One query for a whole page of requests.
 */
import type { Core } from '@strapi/strapi';
import type { ApprovalReply } from '../../../shared/contracts/approval';

const INBOUND_UID = 'plugin::mail-server.inbound-message';

export async function repliesOf(
  strapi: Core.Strapi,
  requestIds: number[]
): Promise<Map<number, ApprovalReply[]>> {
  const out = new Map<number, ApprovalReply[]>();
  if (requestIds.length === 0) return out;
  const rows = (await strapi.db.query(INBOUND_UID).findMany({
    where: { requestId: { $in: requestIds } },
    // Not the subject, comment or raw message: they may carry the reference's signature.
    select: [
      'id',
      'requestId',
      'fromAddress',
      'createdAt',
      'verdict',
      'reason',
      'decision',
      'resolution',
    ],
    orderBy: { id: 'asc' },
  })) as Array<ApprovalReply & { requestId: number; createdAt: string | Date | null }>;
  for (const { requestId, createdAt, ...reply } of rows) {
    const list = out.get(requestId) ?? [];
    list.push({
      ...reply,
      fromAddress: reply.fromAddress ?? null,
      reason: reply.reason ?? null,
      decision: reply.decision ?? null,
      resolution: reply.resolution ?? null,
      createdAt: createdAt ? new Date(createdAt).toISOString() : null,
    });
    out.set(requestId, list);
  }
  return out;
}

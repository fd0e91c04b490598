/**
 * What one inbound email means for the approval requests: the database reads the decision
 * table needs (the request its reference names, the entry's version, who may still act), then
 * the table itself (approvals/rules.ts).
 */
import type { Core } from '@strapi/strapi';
import { parseRef, verifyRef, type ApprovalRef } from '../mail';
import type { ReplyAnalysis } from '../mail';
import { getService } from '../utils/get-service';
import { verdictFor, type RuleFacts, type Verdict } from '../approvals/rules';

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  /** Looks up the facts of a reply (database reads only), then applies the table. */
  async evaluate(
    analysis: ReplyAnalysis,
    { requireProof }: { requireProof: boolean },
    now = new Date()
  ): Promise<Verdict> {
    const options = { requireProof, now };
    if (analysis.kind !== 'reply') {
      return verdictFor(analysis, { hasCandidates: false, matched: null }, options);
    }
    // Threading headers first (what a mail client sets), then the reference in the text.
    const candidates = [
      analysis.inReplyTo,
      ...[...analysis.references].reverse(),
      analysis.reference,
    ]
      .filter((v): v is string => !!v)
      .map(parseRef)
      .filter((v): v is ApprovalRef & { signature: string } => v !== null);
    const facts: RuleFacts = { hasCandidates: candidates.length > 0, matched: null };
    const key = getService(strapi, 'secrets').signingKey();
    const approvals = getService(strapi, 'approvals');
    for (const ref of candidates) {
      const row = await approvals.findOne(ref.requestId);
      const address = row?.approvers[ref.approver];
      if (row && address && verifyRef(key, ref, address)) {
        facts.matched = { request: row, approver: address };
        break;
      }
    }
    if (facts.matched && analysis.decision !== null) {
      const { request, approver } = facts.matched;
      const target = {
        uid: request.targetUid,
        documentId: request.targetDocumentId,
        locale: request.targetLocale,
      };
      const access = getService(strapi, 'approval-access');
      facts.draftVersion = await approvals.draftVersion(request);
      facts.approverUser = await access.approverUser(
        approver,
        target,
        approvals.permissionFor(request.action)
      );
      facts.requesterAllowed = await access.requesterAllowed(request.requestedBy, target);
    }
    return verdictFor(analysis, facts, options);
  },
});

/**
 * What one inbound email means for the approval requests: apply a decision, ignore it, or
 * quarantine it with a stable reason. Every check of the protocol is here, in order.
 */
import type { Core } from '@strapi/strapi';
import { parseRef, verifyRef, type ApprovalRef } from '../mail';
import type { ReplyAnalysis } from '../mail';
import { getService } from '../utils/get-service';
import type { AdminUser } from './approval-access';
import type { ApprovalRow } from './approvals';

export type Verdict =
  | { verdict: 'ignored'; reason: string; request?: ApprovalRow; approver?: string }
  | { verdict: 'quarantined'; reason: string; request?: ApprovalRow; approver?: string }
  | {
      verdict: 'applied';
      reason: 'decision';
      request: ApprovalRow;
      approver: string;
      /** the admin user the decision is recorded as */
      by: AdminUser;
    };

const IGNORED_KINDS = new Set(['auto-reply', 'bounce']);
/** Messages not read to the end: a person looks at them, nothing retries them. */
const KEPT_FOR_A_PERSON = new Set(['malformed', 'too-large', 'analysis-timeout']);

export default ({ strapi }: { strapi: Core.Strapi }) => ({
  async evaluate(
    analysis: ReplyAnalysis,
    { requireProof }: { requireProof: boolean },
    now = new Date()
  ): Promise<Verdict> {
    if (IGNORED_KINDS.has(analysis.kind))
      return { verdict: 'ignored', reason: analysis.reason ?? analysis.kind };
    if (analysis.kind === 'other') {
      // A message we cannot even parse is kept for a person to look at; lists and our own
      // copies are just filed.
      return KEPT_FOR_A_PERSON.has(analysis.reason ?? '')
        ? { verdict: 'quarantined', reason: analysis.reason! }
        : { verdict: 'ignored', reason: analysis.reason ?? 'other' };
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
    if (candidates.length === 0) return { verdict: 'quarantined', reason: 'no-reference' };

    const key = getService(strapi, 'secrets').signingKey();
    const approvals = getService(strapi, 'approvals');
    let request: ApprovalRow | null = null;
    let approver = '';
    for (const ref of candidates) {
      const row = await approvals.findOne(ref.requestId);
      const address = row?.approvers[ref.approver];
      if (row && address && verifyRef(key, ref, address)) {
        request = row;
        approver = address;
        break;
      }
    }
    if (!request) return { verdict: 'quarantined', reason: 'forged-reference' };
    const context = { request, approver };

    if (analysis.from !== approver.toLowerCase())
      return { verdict: 'quarantined', reason: 'wrong-sender', ...context };
    // From is forgeable: the organisation's servers must vouch for it (mail/reply/sender-proof.ts).
    if (requireProof && analysis.senderProof === null)
      return { verdict: 'quarantined', reason: 'unverified-sender', ...context };
    if (request.status !== 'pending') {
      return { verdict: 'quarantined', reason: `request-${request.status}`, ...context };
    }
    if (request.expiresAt && new Date(request.expiresAt) < now) {
      return { verdict: 'quarantined', reason: 'expired', ...context };
    }
    if ((request.decisions ?? []).some((d) => d.approver === approver)) {
      return { verdict: 'quarantined', reason: 'already-decided', ...context };
    }
    if (analysis.decision === null) {
      return { verdict: 'quarantined', reason: analysis.reason ?? 'no-decision-line', ...context };
    }
    if ((await approvals.draftVersion(request)) !== request.entryVersion) {
      return { verdict: 'quarantined', reason: 'entry-changed', ...context };
    }
    // Roles change and users are blocked: the approver must still be allowed, now.
    const by = await getService(strapi, 'approval-access').approverUser(
      approver,
      {
        uid: request.targetUid,
        documentId: request.targetDocumentId,
        locale: request.targetLocale,
      },
      approvals.permissionFor(request.action)
    );
    if (!by) return { verdict: 'quarantined', reason: 'approver-not-allowed', ...context };
    const target = {
      uid: request.targetUid,
      documentId: request.targetDocumentId,
      locale: request.targetLocale,
    };
    if (
      !(await getService(strapi, 'approval-access').requesterAllowed(request.requestedBy, target))
    )
      return { verdict: 'quarantined', reason: 'requester-not-allowed', ...context };
    return { verdict: 'applied', reason: 'decision', ...context, by };
  },
});

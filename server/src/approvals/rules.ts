/**
 * The decision table of the approval protocol, pure: what one inbound email means for the
 * request it names, given the facts the database gave (services/approval-rules.ts reads them).
 * The first rule that fails names the reason (approvals/reasons.ts).
 */
import type { ReplyAnalysis } from '../mail';
import type { AdminUser, ApprovalRow } from './types';
import type { VerdictReason } from './reasons';

export type Verdict =
  | { verdict: 'ignored'; reason: VerdictReason; request?: ApprovalRow; approver?: string }
  | { verdict: 'quarantined'; reason: VerdictReason; request?: ApprovalRow; approver?: string }
  | {
      verdict: 'applied';
      reason: 'decision';
      request: ApprovalRow;
      approver: string;
      /** the admin user the decision is recorded as */
      by: AdminUser;
    };

/** Messages not read to the end: a person looks at them, nothing retries them. */
const KEPT_FOR_A_PERSON = new Set(['malformed', 'too-large', 'analysis-timeout']);

/**
 * What the lookups found for a reply that names a request; every database read of the rules.
 * `matched` is null when no reference verified; the other facts exist only with a match.
 */
export interface RuleFacts {
  /** some In-Reply-To, References or token looked like one of our references */
  hasCandidates: boolean;
  matched: { request: ApprovalRow; approver: string } | null;
  /** the entry's draft version now */
  draftVersion?: string | null;
  /** the approver's admin user, if still allowed the action */
  approverUser?: AdminUser | null;
  /** the requester may still read and update the entry */
  requesterAllowed?: boolean;
}

/**
 * The decision table, pure: the first rule that fails names the reason. The order matters and
 * is the protocol (DESIGN.md, "Approving by reply").
 */
export function verdictFor(
  analysis: ReplyAnalysis,
  facts: RuleFacts,
  { requireProof, now }: { requireProof: boolean; now: Date }
): Verdict {
  if (analysis.kind === 'auto-reply' || analysis.kind === 'bounce')
    return { verdict: 'ignored', reason: analysis.reason ?? analysis.kind };
  if (analysis.kind === 'other') {
    // A message we cannot even parse is kept for a person to look at; lists and our own
    // copies are just filed.
    return KEPT_FOR_A_PERSON.has(analysis.reason ?? '')
      ? { verdict: 'quarantined', reason: analysis.reason! }
      : { verdict: 'ignored', reason: analysis.reason ?? 'other' };
  }
  if (!facts.hasCandidates) return { verdict: 'quarantined', reason: 'no-reference' };
  if (!facts.matched) return { verdict: 'quarantined', reason: 'forged-reference' };
  const { request, approver } = facts.matched;
  const context = { request, approver };
  const held = (reason: VerdictReason): Verdict => ({ verdict: 'quarantined', reason, ...context });

  if (analysis.from !== approver.toLowerCase()) return held('wrong-sender');
  // From is forgeable: the organisation's servers must vouch for it (mail/reply/sender-proof.ts).
  if (requireProof && analysis.senderProof === null) return held('unverified-sender');
  if (request.status !== 'pending') return held(`request-${request.status}`);
  if (request.expiresAt && new Date(request.expiresAt) < now) return held('expired');
  if ((request.decisions ?? []).some((d) => d.approver === approver))
    return held('already-decided');
  if (analysis.decision === null) return held(analysis.reason ?? 'no-decision-line');
  if (facts.draftVersion !== request.entryVersion) return held('entry-changed');
  // Roles change and users are blocked: the approver and the requester must still be allowed.
  if (!facts.approverUser) return held('approver-not-allowed');
  if (!facts.requesterAllowed) return held('requester-not-allowed');
  return { verdict: 'applied', reason: 'decision', ...context, by: facts.approverUser };
}

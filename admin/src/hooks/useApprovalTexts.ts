/**
 * The words for the codes the approvals API gives: why a reply was (not) applied, what the
 * inbox did with it, and why an action failed. Every reason code of
 * server/src/approvals/reasons.ts has a name and a one-line explanation here
 * (test/unit/approvals-reason-texts.test.ts checks that none is missing).
 */
import { ApiError } from '../api/client';
import { useMsg } from './useMsg';

export interface ReasonText {
  label: string;
  help: string;
}

export function useApprovalTexts() {
  const { msg } = useMsg();
  // prettier-ignore
  const reasons: Record<string, ReasonText> = {
    malformed: { label: msg('approvals.reason.malformed', 'Unreadable message'), help: msg('approvals.reason.malformed.help', 'The message could not be parsed as an email.') },
    'too-large': { label: msg('approvals.reason.tooLarge', 'Too large'), help: msg('approvals.reason.tooLarge.help', 'The message is larger than the configured limit and was not read.') },
    'analysis-timeout': { label: msg('approvals.reason.analysisTimeout', 'Took too long to read'), help: msg('approvals.reason.analysisTimeout.help', 'Reading it took longer than the limit; kept for a person.') },
    dsn: { label: msg('approvals.reason.dsn', 'Delivery report'), help: msg('approvals.reason.dsn.help', 'A delivery status notification (bounce), not a reply.') },
    'own-mail': { label: msg('approvals.reason.ownMail', 'Our own mail'), help: msg('approvals.reason.ownMail.help', 'Sent from one of our own addresses (a loop or a copy of a notification).') },
    list: { label: msg('approvals.reason.list', 'Mailing list'), help: msg('approvals.reason.list.help', 'Mailing-list traffic, never a decision.') },
    'auto-submitted': { label: msg('approvals.reason.autoSubmitted', 'Automatic message'), help: msg('approvals.reason.autoSubmitted.help', 'Marked as sent automatically (Auto-Submitted header).') },
    precedence: { label: msg('approvals.reason.precedence', 'Bulk mail'), help: msg('approvals.reason.precedence.help', 'Marked as bulk, junk, list or automatic reply (Precedence header).') },
    'auto-reply-header': { label: msg('approvals.reason.autoReplyHeader', 'Automatic reply'), help: msg('approvals.reason.autoReplyHeader.help', 'A header marks it as an automatic reply.') },
    'auto-reply-subject': { label: msg('approvals.reason.autoReplySubject', 'Out of office'), help: msg('approvals.reason.autoReplySubject.help', 'Its subject is that of an out-of-office or automatic reply.') },
    'auto-sender': { label: msg('approvals.reason.autoSender', 'Robot sender'), help: msg('approvals.reason.autoSender.help', 'Sent by mailer-daemon, postmaster or a no-reply address.') },
    mdn: { label: msg('approvals.reason.mdn', 'Read receipt'), help: msg('approvals.reason.mdn.help', 'A read receipt, not a reply.') },
    'no-decision-line': { label: msg('approvals.reason.noDecisionLine', 'No decision'), help: msg('approvals.reason.noDecisionLine.help', 'The first line of the reply does not say APPROVE or REJECT.') },
    ambiguous: { label: msg('approvals.reason.ambiguous', 'Ambiguous'), help: msg('approvals.reason.ambiguous.help', 'The first line names both decisions, or asks a question.') },
    negated: { label: msg('approvals.reason.negated', 'Negated'), help: msg('approvals.reason.negated.help', 'The first line holds a negation, so it is not taken as a decision.') },
    'auto-reply': { label: msg('approvals.reason.autoReply', 'Automatic reply'), help: msg('approvals.reason.autoReply.help', 'An automatic reply, never a decision.') },
    bounce: { label: msg('approvals.reason.bounce', 'Bounce'), help: msg('approvals.reason.bounce.help', 'A bounced message, never a decision.') },
    other: { label: msg('approvals.reason.other', 'Not a reply'), help: msg('approvals.reason.other.help', 'Not a reply to an approval request.') },
    decision: { label: msg('approvals.reason.decision', 'Decision applied'), help: msg('approvals.reason.decision.help', 'The reply decided the request.') },
    'no-reference': { label: msg('approvals.reason.noReference', 'No reference'), help: msg('approvals.reason.noReference.help', 'It names no approval request.') },
    'forged-reference': { label: msg('approvals.reason.forgedReference', 'Invalid reference'), help: msg('approvals.reason.forgedReference.help', 'Its reference does not verify: altered, made up, or for another approver.') },
    'lookup-failed': { label: msg('approvals.reason.lookupFailed', 'Lookup failed'), help: msg('approvals.reason.lookupFailed.help', 'The database could not look its request up; kept for a person.') },
    'wrong-sender': { label: msg('approvals.reason.wrongSender', 'Wrong sender'), help: msg('approvals.reason.wrongSender.help', 'Sent from another address than the one the request went to.') },
    'unverified-sender': { label: msg('approvals.reason.unverifiedSender', 'Unverified sender'), help: msg('approvals.reason.unverifiedSender.help', 'No proof that the approver sent it (no DKIM, DMARC or authenticated submission).') },
    'request-approved': { label: msg('approvals.reason.requestApproved', 'Already approved'), help: msg('approvals.reason.requestApproved.help', 'The request had already been approved.') },
    'request-rejected': { label: msg('approvals.reason.requestRejected', 'Already rejected'), help: msg('approvals.reason.requestRejected.help', 'The request had already been rejected.') },
    'request-cancelled': { label: msg('approvals.reason.requestCancelled', 'Request cancelled'), help: msg('approvals.reason.requestCancelled.help', 'The request had been cancelled.') },
    'request-expired': { label: msg('approvals.reason.requestExpired', 'Request expired'), help: msg('approvals.reason.requestExpired.help', 'The request had expired.') },
    expired: { label: msg('approvals.reason.expired', 'Too late'), help: msg('approvals.reason.expired.help', 'The request expired before the reply came.') },
    'already-decided': { label: msg('approvals.reason.alreadyDecided', 'Already answered'), help: msg('approvals.reason.alreadyDecided.help', 'This approver had already answered.') },
    'entry-changed': { label: msg('approvals.reason.entryChanged', 'Entry changed'), help: msg('approvals.reason.entryChanged.help', 'The entry changed after the request was sent: the approver saw another version.') },
    'approver-not-allowed': { label: msg('approvals.reason.approverNotAllowed', 'Approver not allowed'), help: msg('approvals.reason.approverNotAllowed.help', 'The approver is no longer an active admin whose role may do this.') },
    'requester-not-allowed': { label: msg('approvals.reason.requesterNotAllowed', 'Requester not allowed'), help: msg('approvals.reason.requesterNotAllowed.help', 'The requester may no longer read and update the entry.') },
    'action-failed': { label: msg('approvals.reason.actionFailed', 'Action failed'), help: msg('approvals.reason.actionFailed.help', 'The decision was valid but its action failed; nothing was applied.') },
    'store-failed': { label: msg('approvals.reason.storeFailed', 'Not recorded'), help: msg('approvals.reason.storeFailed.help', 'The database could not record the reply; kept for a person.') },
  };
  const verdicts: Record<string, string> = {
    applied: msg('approvals.verdict.applied', 'Applied'),
    ignored: msg('approvals.verdict.ignored', 'Ignored'),
    quarantined: msg('approvals.verdict.quarantined', 'Quarantined'),
    failed: msg('approvals.verdict.failed', 'Failed'),
  };
  // prettier-ignore
  const errors: Record<string, string> = {
    ENOTFOUND: msg('approvals.error.ENOTFOUND', 'It no longer exists.'),
    ENOTPENDING: msg('approvals.error.ENOTPENDING', 'The request is no longer pending.'),
    ENOTQUARANTINED: msg('approvals.error.ENOTQUARANTINED', 'This reply is no longer waiting for a review.'),
    ENODECISION: msg('approvals.error.ENODECISION', 'This reply carries no decision: discard it instead.'),
    ECONFIRM: msg('approvals.error.ECONFIRM', 'The entry changed or the request expired since the reply: confirm the current version.'),
    EAPPROVER: msg('approvals.error.EAPPROVER', 'The approver may no longer do this.'),
    EREQUESTER: msg('approvals.error.EREQUESTER', 'The requester may no longer edit the entry.'),
    EFORBIDDEN: msg('approvals.error.EFORBIDDEN', 'Your role may not do this.'),
  };

  return {
    /**
     * "accepted by a@x for the version of …" / "discarded by a@x", as the inbox service
     * records a review, in words; anything else as it is.
     */
    resolution: (text: string | null | undefined) => {
      const match = /^(accepted|discarded) by (\S+)/.exec(text ?? '');
      if (!match) return text ?? null;
      return match[1] === 'accepted'
        ? msg('approvals.page.audit.acceptedBy', 'accepted by {by}', { by: match[2] })
        : msg('approvals.page.audit.discardedBy', 'discarded by {by}', { by: match[2] });
    },
    /** A reason code in words; an unknown code is shown as it is. */
    reason: (code: string | null | undefined): ReasonText | null =>
      code ? (reasons[code] ?? { label: code, help: '' }) : null,
    verdict: (code: string | null | undefined) => (code ? (verdicts[code] ?? code) : '—'),
    /** A failure in words: the translated code, else the server's own message. */
    error: (err: Error) => {
      const text = err instanceof ApiError && err.code ? errors[err.code] : undefined;
      return msg('approvals.error.failed', 'The action failed: {message}', {
        message: text ?? err.message,
      });
    },
  };
}

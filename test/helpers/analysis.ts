/** What the reply analyser returns, built for unit tests of what comes after it. */
import type { ReplyAnalysis } from '../../server/src/mail';

export const APPROVER = 'anna@example.test';

/** A human reply from APPROVER that approves, with a sender proof; `over` changes any field. */
export const replyAnalysis = (over: Partial<ReplyAnalysis> = {}): ReplyAnalysis => ({
  kind: 'reply',
  decision: 'approve',
  comment: '',
  from: APPROVER,
  inReplyTo: '<apr.7.0.x@example.test>',
  references: [],
  reference: null,
  messageId: '<r@example.test>',
  subject: 'Re: T',
  text: 'APPROVE',
  senderProof: 'smtp-auth',
  ...over,
});

/**
 * Public API of the reply analyser: what an inbound email is (reply, auto-reply, bounce,
 * other) and what an approver's reply decides. Framework-free; the inbox service calls
 * analyzeReply and does the matching, verification and publishing itself.
 */
export { analyzeReply } from './analyze';
export { createBoundedAnalyzer, type BoundedAnalyzer } from './bounded';
export {
  DEFAULT_MAX_BYTES,
  REPLY_KINDS,
  REPLY_REASONS,
  analyzeOptionsSchema,
  noDecision,
  replyAnalysisSchema,
  type AnalyzeOptions,
  type Decision,
  type ReplyAnalysis,
  type ReplyKind,
  type ReplyReason,
} from './types';
export { REFERENCE_PATTERN, findReference, referencesIn } from './reference';
export { readDecision, type DecisionResult } from './decision';
export { trimReply, type TrimOptions } from './trim';
export { htmlReplyText } from './html';
export { MAX_REFERENCES } from './headers';
export { SENDER_PROOFS, type SenderProof, type SenderTrust } from './sender-proof';

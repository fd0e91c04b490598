/**
 * One message of the approvals mailbox: what the job knows of it (analysis, key), what it
 * did with it (Handled: folder, outcome, the answer to send) and the answer's wording. The
 * recording itself is in inbox-record.ts; inbox.ts moves and answers after the commit.
 */
import crypto from 'node:crypto';
import {
  DEFAULT_MAX_BYTES,
  isMicrosoftHost,
  noDecision,
  type BoundedAnalyzer,
  type FetchedMessage,
  type ReplyAnalysis,
  type SenderTrust,
} from '../mail';
import { authservIdsOf } from '../../../shared/contracts/settings';
import type { Effective } from '../settings/model';
import { describeReason, type Answer } from './approval-mail';
import type { Verdict } from './approval-rules';

export const INBOUND_UID = 'plugin::mail-server.inbound-message';
/** Larger messages are filed unread (the analyser's own limit, one home: mail/reply/types.ts). */
export const MAX_BYTES = DEFAULT_MAX_BYTES;

type Imap = Effective<'imap'>;
export type Outcome = 'applied' | 'quarantined' | 'ignored' | 'failed';

export interface RunReport {
  skipped?: 'not-configured' | 'lease' | 'running';
  handled: number;
  applied: number;
  quarantined: number;
  ignored: number;
  failed: number;
  /** Recorded by an earlier pass or another instance (a replay, or a crash before the move): only filed. */
  refiled: number;
  error?: { code: string; message: string };
}

/** What a batch shares: the mailbox settings and the addresses whose mail is our own. */
export interface BatchContext {
  imap: Imap;
  uidValidity: string;
  ownAddresses: string[];
  trust: ReplyTrust;
}

/** Which proofs of the sender the mailbox's servers give, and whether one is required. */
export interface ReplyTrust {
  trust: SenderTrust;
  requireProof: boolean;
}

/**
 * Read from the IMAP settings. A Microsoft 365 mailbox is always behind Exchange's header
 * firewall, so its AuthAs header counts without the box ticked; Exchange Server needs the box.
 */
export function replyTrust(imap: Imap): ReplyTrust {
  return {
    trust: {
      authservIds: authservIdsOf(imap.authservId),
      exchange: imap.exchangeHeaders || isMicrosoftHost(imap.host),
    },
    requireProof: imap.senderCheck !== 'from-header',
  };
}

/** A message analyzed (no database work yet), ready to be recorded. */
export interface Analyzed {
  message: FetchedMessage;
  analysis: ReplyAnalysis;
  rawHash: string;
  messageKey: string;
}

export interface Handled {
  uid: number;
  folder: string;
  /** Absent when the message was already recorded (a replay): it is only filed again. */
  outcome?: Outcome;
  /** The short answer to the approver, queued once the batch is committed. */
  answer?: Answer;
}

/** The transaction of the batch: savepoints keep one message's failure from undoing others. */
export interface BatchTransaction {
  raw(sql: string): PromiseLike<unknown>;
}

/** Parsing is CPU work only: done before the batch transaction opens, to keep it short. */
export async function analyzeMessage(
  message: FetchedMessage,
  ownAddresses: string[],
  { trust }: ReplyTrust,
  analyzer: BoundedAnalyzer
): Promise<Analyzed> {
  // Too big to read: filed for a person to look at, never parsed.
  const analysis =
    message.size > MAX_BYTES
      ? noDecision('other', 'too-large')
      : await analyzer.analyze(message.source, { ownAddresses, maxBytes: MAX_BYTES, trust });
  const rawHash = crypto.createHash('sha256').update(message.source).digest('hex');
  const messageKey = (analysis.messageId ?? `sha256:${rawHash}`).slice(0, 255);
  return { message, analysis, rawHash, messageKey };
}

/** The answer to the approver: never to an auto-reply, never to a sender who is not the approver. */
export function answerFor(
  analysis: ReplyAnalysis,
  verdict: Verdict,
  outcome: Outcome,
  reason: string
): Answer | undefined {
  const { request, approver } = verdict;
  if (!request || !approver || analysis.kind !== 'reply') return undefined;
  if (analysis.from !== approver.toLowerCase()) return undefined;
  const accepted = outcome === 'applied';
  return {
    to: analysis.from,
    inReplyTo: analysis.messageId,
    subject: analysis.subject,
    accepted,
    text: accepted
      ? `Decision: ${analysis.decision === 'approve' ? 'APPROVED' : 'REJECTED'} for "${request.title}".`
      : `${describeReason(reason)}. (Request "${request.title}")`,
  };
}

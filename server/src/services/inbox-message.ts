/**
 * One message of the approvals mailbox: analyse it, then (inside the batch transaction, in a
 * savepoint of its own) record the audit row and the decision with its action. What may only
 * happen once the batch is committed — the move to a folder, the answer to the approver — is
 * returned to the caller instead of done here.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type { FetchedMessage } from '../mail';
import { analyzeReply, noDecision, type ReplyAnalysis } from '../mail/reply';
import { getService } from '../utils/get-service';
import type { Effective } from '../utils/settings-model';
import { describeReason, type Answer } from './approval-mail';
import type { Verdict } from './approval-rules';

export const INBOUND_UID = 'plugin::mail-server.inbound-message';
export const MAX_BYTES = 10 * 1024 * 1024;
const RAW_KEPT = 256 * 1024;
const SAVEPOINT = 'mail_server_message';

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
}

/** A message analysed (no database work yet), ready to be recorded. */
export interface Analysed {
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
export async function analyseMessage(
  message: FetchedMessage,
  ownAddresses: string[]
): Promise<Analysed> {
  // Too big to read: filed for a person to look at, never parsed.
  const analysis =
    message.size > MAX_BYTES
      ? noDecision('other', 'too-large')
      : await analyzeReply(message.source, { ownAddresses, maxBytes: MAX_BYTES });
  const rawHash = crypto.createHash('sha256').update(message.source).digest('hex');
  const messageKey = (analysis.messageId ?? `sha256:${rawHash}`).slice(0, 255);
  return { message, analysis, rawHash, messageKey };
}

async function inSavepoint<T>(trx: BatchTransaction, work: () => Promise<T>): Promise<T> {
  await trx.raw(`SAVEPOINT ${SAVEPOINT}`);
  try {
    const result = await work();
    await trx.raw(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return result;
  } catch (err) {
    await trx.raw(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`);
    throw err;
  }
}

type RecordedRow = { messageKey: string; folder: string | null; verdict: string };

/** The messages of a batch recorded before (replays, or filed late after a crash), one query. */
export async function findRecorded(
  strapi: Core.Strapi,
  batch: Analysed[]
): Promise<Map<string, RecordedRow>> {
  const keys = [...new Set(batch.map((a) => a.messageKey))];
  const rows: RecordedRow[] = keys.length
    ? await strapi.db.query(INBOUND_UID).findMany({
        where: { messageKey: { $in: keys } },
        select: ['messageKey', 'folder', 'verdict'],
      })
    : [];
  return new Map(rows.map((row) => [row.messageKey, row]));
}

/**
 * Records one analysed message inside the batch transaction `trx`; `before` is what
 * findRecorded() found for the batch.
 */
export async function recordMessage(
  strapi: Core.Strapi,
  ctx: BatchContext,
  trx: BatchTransaction,
  { message, analysis, rawHash, messageKey }: Analysed,
  before: Map<string, RecordedRow>
): Promise<Handled> {
  const { imap, uidValidity } = ctx;
  const inbound = () => strapi.db.query(INBOUND_UID);
  const svc = <K extends Parameters<typeof getService>[1]>(name: K) => getService(strapi, name);
  const folderFor = (verdict: string) =>
    verdict === 'applied'
      ? imap.processedFolder
      : verdict === 'ignored'
        ? imap.ignoredFolder
        : imap.quarantineFolder;
  const filed = (row: RecordedRow) => ({
    uid: message.uid,
    folder: row.folder ?? folderFor(row.verdict),
  });
  // Already recorded (a replay, or a crash before the move last time): only file it.
  const known = before.get(messageKey);
  if (known) return filed(known);

  const verdict: Verdict = await svc('approval-rules').evaluate(analysis);
  const base = {
    messageKey,
    messageId: analysis.messageId,
    uid: message.uid,
    uidValidity,
    mailbox: imap.mailbox,
    fromAddress: analysis.from.slice(0, 255),
    subject: analysis.subject.slice(0, 2000),
    kind: analysis.kind,
    requestId: verdict.request?.id ?? null,
    approver: verdict.approver ?? null,
    decision: analysis.decision,
    comment: analysis.comment.slice(0, 10_000),
    rawHash,
  };
  const rawKept = () => message.source.subarray(0, RAW_KEPT).toString('latin1');
  let outcome: Outcome = verdict.verdict;
  let reason: string = verdict.reason;
  try {
    await inSavepoint(trx, async () => {
      // createMany: the insert alone, without reading the row back.
      const { ids } = await inbound().createMany({
        data: [
          {
            ...base,
            verdict: verdict.verdict,
            reason: verdict.reason,
            folder: folderFor(verdict.verdict),
            raw: verdict.verdict === 'quarantined' ? rawKept() : null,
          },
        ],
      });
      if (verdict.verdict === 'applied') {
        await svc('approvals').decide(verdict.request, {
          approver: verdict.approver,
          decision: analysis.decision!,
          comment: analysis.comment,
          at: new Date().toISOString(),
          inboundMessageId: Number(ids[0]),
        });
      }
    });
  } catch (err) {
    // A duplicate key means the message was recorded meanwhile (another instance, or the
    // same message twice in this batch): file it as it was.
    const again = await inbound().findOne({
      where: { messageKey },
      select: ['messageKey', 'folder', 'verdict'],
    });
    if (again) return filed(again);
    outcome = 'failed';
    reason = verdict.verdict === 'applied' ? 'action-failed' : 'store-failed';
    strapi.log.error(
      `[mail-server] approval reply not applied (${reason}): ${(err as Error).message}`
    );
    const data = { ...base, verdict: 'failed', reason, folder: imap.quarantineFolder };
    await inSavepoint(trx, () => inbound().create({ data: { ...data, raw: rawKept() } }));
  }
  return {
    uid: message.uid,
    folder: outcome === 'failed' ? imap.quarantineFolder : folderFor(outcome),
    outcome,
    answer: answerFor(analysis, verdict, outcome, reason),
  };
}

/** The answer to the approver: never to an auto-reply, never to a sender who is not the approver. */
function answerFor(
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

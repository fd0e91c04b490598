/**
 * One message of the approvals mailbox, top to bottom:
 *   1. read it: analyzeMessage, before the batch's transaction opens (CPU only, in the
 *      analyser's own thread with its hard time limit)
 *   2. recorded before (a replay, or a crash before the move)? Then only file it again.
 *   3. what it means: the verdict (services/approval-rules.ts); a lookup that fails holds it
 *   4. record it: the inbound-message row and, for a decision, the decision and its action, in
 *      one savepoint of the batch's transaction
 *   5. its folder and the answer to the approver (approvals/reasons.ts), both acted on by the
 *      job once the batch is committed
 * A decision whose action fails is not recorded here: the caller undoes the batch (batch.ts).
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type { Knex } from 'knex';
import {
  DEFAULT_MAX_BYTES,
  noDecision,
  type BoundedAnalyzer,
  type FetchedMessage,
  type ReplyAnalysis,
} from '../../mail';
import type { ApprovalMailbox } from '../../approvals/mailbox';
import { answerFor, type Answer, type VerdictReason } from '../../approvals/reasons';
import type { Verdict } from '../../approvals/rules';
import type { Effective } from '../../settings/model';
import { getService } from '../../utils/get-service';
import { INBOUND_UID } from '../inbound-messages';

/** Larger messages are filed unread (the analyser's own limit, one home: mail/reply/types.ts). */
export const MAX_BYTES = DEFAULT_MAX_BYTES;
/** The start of a held message kept on its row, for the person who reviews it. */
const RAW_KEPT = 256 * 1024;
const SAVEPOINT = 'mail_server_message';

export type Outcome = 'applied' | 'quarantined' | 'ignored' | 'failed';

/** A message read (no database work yet), ready to be recorded. */
export interface Analyzed {
  message: FetchedMessage;
  analysis: ReplyAnalysis;
  rawHash: string;
  messageKey: string;
}

/** What became of a message: where it is filed, and what to tell the approver. */
export interface Handled {
  uid: number;
  folder: string;
  /** absent when it was recorded before: it is only filed again */
  outcome?: Outcome;
  answer?: Answer;
}

/** A decision that could not be applied: recorded as failed once the batch is undone. */
export interface Failure {
  analyzed: Analyzed;
  verdict: Verdict;
  reason: Extract<VerdictReason, 'action-failed' | 'store-failed'>;
  error: unknown;
}

type RecordedRow = { messageKey: string; folder: string | null; verdict: string };

/** What the messages of one batch share: the mailbox, and the batch's transaction. */
export interface Batch {
  strapi: Core.Strapi;
  imap: Effective<'imap'>;
  uidValidity: string;
  mailbox: ApprovalMailbox;
  trx: Knex.Transaction;
  /** the messages of the batch recorded before it began (findRecorded) */
  recorded: Map<string, RecordedRow>;
}

/** 1. Reading: the analysis, and the key that makes recording it exactly-once. */
export async function analyzeMessage(
  message: FetchedMessage,
  mailbox: ApprovalMailbox,
  analyzer: BoundedAnalyzer
): Promise<Analyzed> {
  // Too big to read: filed for a person to look at, never parsed.
  const analysis =
    message.size > MAX_BYTES
      ? noDecision('other', 'too-large')
      : await analyzer.analyze(message.source, {
          ownAddresses: mailbox.own,
          maxBytes: MAX_BYTES,
          trust: mailbox.trust.trust,
        });
  const rawHash = crypto.createHash('sha256').update(message.source).digest('hex');
  // A message read has its Message-ID or its hash as key; one too large to read has no bytes
  // to hash: its Message-ID from the server, else where it lies (all would share one hash).
  const fallback = message.source.length
    ? `sha256:${rawHash}`
    : (message.messageId ?? `unread:${message.ref ?? message.uid}:${message.size}`);
  const messageKey = (analysis.messageId ?? fallback).slice(0, 255);
  return { message, analysis, rawHash, messageKey };
}

/** 2–5. Recording, inside the batch's transaction: what became of it, or a failed action. */
export async function handleMessage(
  batch: Batch,
  analyzed: Analyzed
): Promise<{ handled: Handled } | { failed: Failure }> {
  const { strapi, imap, trx } = batch;
  const { message, analysis, messageKey } = analyzed;

  // 2. Recorded before: only filed again.
  const known = batch.recorded.get(messageKey);
  if (known) return { handled: refiled(imap, message.uid, known) };

  // 3. The verdict. Its lookups get a savepoint too: one that fails (e.g. a request id the
  // database cannot hold) must not abort the batch, and the message gets a person's look.
  const evaluated = await inSavepoint(trx, () =>
    getService(strapi, 'approval-rules').evaluate(analysis, batch.mailbox.trust)
  );
  if (!evaluated.ok) {
    strapi.log.error(`[mail-server] approval reply not matched: ${messageOf(evaluated.error)}`);
  }
  const verdict: Verdict = evaluated.ok
    ? evaluated.value
    : { verdict: 'quarantined', reason: 'lookup-failed' };

  // 4. The row, and for a decision the decision and its action, together.
  const stored = await inSavepoint(trx, async () => {
    // createMany: the insert alone, without reading the row back.
    const { ids } = await strapi.db.query(INBOUND_UID).createMany({
      data: [
        {
          ...auditRow(batch, analyzed, verdict),
          verdict: verdict.verdict,
          reason: verdict.reason,
          folder: folderFor(imap, verdict.verdict),
          raw: verdict.verdict === 'quarantined' ? rawKept(analyzed) : null,
        },
      ],
    });
    if (verdict.verdict === 'applied') {
      await getService(strapi, 'approvals').decide(verdict.request, {
        approver: verdict.approver,
        decision: analysis.decision!,
        comment: analysis.comment,
        at: new Date().toISOString(),
        inboundMessageId: Number(ids[0]),
        by: verdict.by,
      });
    }
  });
  if (!stored.ok) {
    // A duplicate key: recorded meanwhile (another instance, or twice in this batch). Read
    // again with a lock (findLatest): a plain read may not see the other instance's row.
    const again = await findLatest(batch, messageKey);
    if (again) return { handled: refiled(imap, message.uid, again) };
    const reason = verdict.verdict === 'applied' ? 'action-failed' : 'store-failed';
    const failure: Failure = { analyzed, verdict, reason, error: stored.error };
    if (reason === 'action-failed') return { failed: failure };
    // Nothing but our own insert ran, and the savepoint undid it: record the failure now.
    return { handled: await recordFailure(batch, failure) };
  }

  // 5. Its folder and its answer.
  return { handled: outcomeOf(imap, analyzed, verdict, verdict.verdict, verdict.reason) };
}

/** Records a message whose decision could not be applied, with the start of it kept. */
export async function recordFailure(batch: Batch, failure: Failure): Promise<Handled> {
  const { strapi, imap, trx } = batch;
  const { analyzed, verdict, reason, error } = failure;
  strapi.log.error(`[mail-server] approval reply not applied (${reason}): ${messageOf(error)}`);
  const data = {
    ...auditRow(batch, analyzed, verdict),
    verdict: 'failed',
    reason,
    folder: imap.quarantineFolder,
    raw: rawKept(analyzed),
  };
  const stored = await inSavepoint(trx, () => strapi.db.query(INBOUND_UID).create({ data }));
  if (!stored.ok) throw stored.error;
  return outcomeOf(imap, analyzed, verdict, 'failed', reason);
}

/** The messages of a batch recorded before (replays, or filed late after a crash), one query. */
export async function findRecorded(
  strapi: Core.Strapi,
  analyzed: Analyzed[]
): Promise<Map<string, RecordedRow>> {
  const keys = [...new Set(analyzed.map((a) => a.messageKey))];
  const rows: RecordedRow[] = keys.length
    ? await strapi.db.query(INBOUND_UID).findMany({
        where: { messageKey: { $in: keys } },
        select: ['messageKey', 'folder', 'verdict'],
      })
    : [];
  return new Map(rows.map((row) => [row.messageKey, row]));
}

/**
 * The row recorded under `messageKey`, as committed now, inside the batch's transaction: the
 * re-read after a duplicate key. A locking read (FOR SHARE; LOCK IN SHARE MODE on MySQL), not
 * findRecorded: on MySQL/MariaDB (InnoDB, REPEATABLE READ by default) a plain SELECT reads the
 * snapshot the transaction took at its first read, before another instance committed the row
 * our insert collided with, so it finds nothing; recording the failure then collides again
 * and fails the whole batch (for a decision, the batch is undone and redone one message at a
 * time). A locking read reads the latest committed version of the row; a shared lock, so other
 * instances meeting the same key do not wait for our batch. The row is taken as the database
 * matched it, not looked up by our key in a Map: a case-insensitive collation (MySQL's
 * default) collides keys that differ in case. On PostgreSQL (READ COMMITTED) each statement
 * sees the latest commits anyway; SQLite has no row locks (knex drops the clause) and one
 * writer at a time, so no commit can come between our read and our insert there.
 */
async function findLatest(batch: Batch, messageKey: string): Promise<RecordedRow | undefined> {
  const { strapi, trx } = batch;
  const meta = strapi.db.metadata.get(INBOUND_UID as never);
  const column = (attribute: keyof RecordedRow) =>
    (meta.attributes[attribute] as { columnName?: string } | undefined)?.columnName ?? attribute;
  const rows: RecordedRow[] = await strapi.db
    .getConnection(meta.tableName)
    .select({
      messageKey: column('messageKey'),
      folder: column('folder'),
      verdict: column('verdict'),
    })
    .where(column('messageKey'), messageKey)
    .forShare()
    .transacting(trx);
  return rows[0];
}

/* ----- the parts of the path ----- */

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `work` in a savepoint: a failure undoes its own writes and nothing else, and comes back
 * as a value. It throws only when the database gave up the whole transaction (a deadlock, a
 * full disk: the rollback to the savepoint fails), since nothing may go on in it then.
 */
async function inSavepoint<T>(trx: Batch['trx'], work: () => Promise<T>): Promise<Attempt<T>> {
  await trx.raw(`SAVEPOINT ${SAVEPOINT}`);
  try {
    const value = await work();
    await trx.raw(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return { ok: true, value };
  } catch (error) {
    await Promise.resolve(trx.raw(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)).catch(() => {
      throw error;
    });
    return { ok: false, error };
  }
}

const folderFor = (imap: Effective<'imap'>, verdict: string) =>
  verdict === 'applied'
    ? imap.processedFolder
    : verdict === 'ignored'
      ? imap.ignoredFolder
      : imap.quarantineFolder;

const refiled = (imap: Effective<'imap'>, uid: number, row: RecordedRow): Handled => ({
  uid,
  folder: row.folder ?? folderFor(imap, row.verdict),
});

function outcomeOf(
  imap: Effective<'imap'>,
  { message, analysis }: Analyzed,
  verdict: Verdict,
  outcome: Outcome,
  reason: VerdictReason
): Handled {
  return {
    uid: message.uid,
    folder: outcome === 'failed' ? imap.quarantineFolder : folderFor(imap, outcome),
    outcome,
    answer: answerFor(analysis, { ...verdict, outcome, reason }),
  };
}

/** The inbound-message row's columns, whatever the verdict. */
function auditRow(
  batch: Batch,
  { message, analysis, rawHash, messageKey }: Analyzed,
  verdict: Verdict
) {
  return {
    messageKey,
    messageId: analysis.messageId ?? message.messageId,
    // Over Graph the number is the reader's own (message.ref is Graph's id): not kept.
    uid: message.ref ? null : message.uid,
    uidValidity: batch.uidValidity.slice(0, 255),
    mailbox: batch.imap.mailbox,
    fromAddress: analysis.from.slice(0, 255),
    subject: analysis.subject.slice(0, 2000),
    kind: analysis.kind,
    requestId: verdict.request?.id ?? null,
    approver: verdict.approver ?? null,
    decision: analysis.decision,
    comment: analysis.comment.slice(0, 10_000),
    rawHash,
  };
}

const rawKept = ({ message }: Analyzed) => message.source.subarray(0, RAW_KEPT).toString('latin1');
const messageOf = (err: unknown) => (err as Error)?.message ?? String(err);

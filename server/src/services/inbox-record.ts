/**
 * Recording the messages of a batch: one transaction, a savepoint per message (its audit row,
 * its decision and its action), so one failing message undoes nothing else and the database
 * syncs once per batch. An action that fails sends the batch down the exact path instead: one
 * transaction per message (see RedoAlone).
 */
import type { Core } from '@strapi/strapi';
import { getService } from '../utils/get-service';
import type { Verdict } from './approval-rules';
import {
  answerFor,
  INBOUND_UID,
  type Analyzed,
  type BatchContext,
  type BatchTransaction,
  type Handled,
} from './inbox-message';

const RAW_KEPT = 256 * 1024;
const SAVEPOINT = 'mail_server_message';

/**
 * How a message is recorded: `batch`, in a savepoint of the batch transaction; `alone`, in a
 * transaction of its own (the batch is redone that way when an action fails, see RedoAlone).
 */
export type Mode = 'batch' | 'alone';

/**
 * An action failed inside the batch. Its savepoint undoes its rows, but not the work Strapi
 * queued for after the commit (webhooks of a publish, history versions): the batch must be
 * rolled back and redone one transaction per message, where a failure undoes everything.
 */
export class RedoAlone extends Error {}

/** An action failed in `alone` mode: the caller rolls its transaction back, then records it. */
export class ActionFailed extends Error {
  constructor(
    readonly cause: unknown,
    readonly failure: Failure
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/** The savepoint could not be rolled back: the database gave up the whole transaction. */
class TransactionLost extends Error {}

interface Failure {
  analyzed: Analyzed;
  verdict: Verdict;
  reason: string;
}

async function inSavepoint<T>(trx: BatchTransaction, work: () => Promise<T>): Promise<T> {
  await trx.raw(`SAVEPOINT ${SAVEPOINT}`);
  try {
    const result = await work();
    await trx.raw(`RELEASE SAVEPOINT ${SAVEPOINT}`);
    return result;
  } catch (err) {
    // A deadlock or a full disk can end the whole transaction: then nothing may go on in it.
    await Promise.resolve(trx.raw(`ROLLBACK TO SAVEPOINT ${SAVEPOINT}`)).catch(() => {
      throw new TransactionLost((err as Error)?.message ?? String(err));
    });
    throw err;
  }
}

type RecordedRow = { messageKey: string; folder: string | null; verdict: string };

/** The messages of a batch recorded before (replays, or filed late after a crash), one query. */
export async function findRecorded(
  strapi: Core.Strapi,
  batch: Analyzed[]
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

const folderFor = (imap: BatchContext['imap'], verdict: string) =>
  verdict === 'applied'
    ? imap.processedFolder
    : verdict === 'ignored'
      ? imap.ignoredFolder
      : imap.quarantineFolder;

/** The audit row's columns, whatever the verdict. */
function auditRow(
  ctx: BatchContext,
  { message, analysis, rawHash, messageKey }: Analyzed,
  verdict: Verdict
) {
  return {
    messageKey,
    messageId: analysis.messageId,
    uid: message.uid,
    uidValidity: ctx.uidValidity,
    mailbox: ctx.imap.mailbox,
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

/**
 * Records one analyzed message inside `trx`; `before` is what findRecorded() found. Throws
 * RedoAlone (batch mode) or ActionFailed (alone mode) when the message's action failed.
 */
export async function recordMessage(
  strapi: Core.Strapi,
  ctx: BatchContext,
  trx: BatchTransaction,
  analyzed: Analyzed,
  before: Map<string, RecordedRow>,
  mode: Mode
): Promise<Handled> {
  const { imap } = ctx;
  const { message, analysis, messageKey } = analyzed;
  const inbound = () => strapi.db.query(INBOUND_UID);
  const svc = <K extends Parameters<typeof getService>[1]>(name: K) => getService(strapi, name);
  const filed = (row: RecordedRow): Handled => ({
    uid: message.uid,
    folder: row.folder ?? folderFor(imap, row.verdict),
  });
  // Already recorded (a replay, or a crash before the move last time): only file it.
  const known = before.get(messageKey);
  if (known) return filed(known);

  // A lookup that fails (e.g. a reference to a request id the database cannot hold) must not
  // abort the batch's transaction: it gets a savepoint too, and the message a person's look.
  const verdict: Verdict = await inSavepoint(trx, () =>
    svc('approval-rules').evaluate(analysis, ctx.trust)
  ).catch((err: unknown) => {
    if (err instanceof TransactionLost) throw err;
    strapi.log.error(`[mail-server] approval reply not matched: ${(err as Error).message}`);
    return { verdict: 'quarantined', reason: 'lookup-failed' } as Verdict;
  });
  try {
    await inSavepoint(trx, async () => {
      // createMany: the insert alone, without reading the row back.
      const { ids } = await inbound().createMany({
        data: [
          {
            ...auditRow(ctx, analyzed, verdict),
            verdict: verdict.verdict,
            reason: verdict.reason,
            folder: folderFor(imap, verdict.verdict),
            raw: verdict.verdict === 'quarantined' ? rawKept(analyzed) : null,
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
          by: verdict.by,
        });
      }
    });
  } catch (err) {
    if (err instanceof TransactionLost) throw err;
    // A duplicate key means the message was recorded meanwhile (another instance, or the
    // same message twice in this batch): file it as it was.
    const again = (await findRecorded(strapi, [analyzed])).get(messageKey);
    if (again) return filed(again);
    if (verdict.verdict === 'applied') {
      if (mode === 'batch') throw new RedoAlone((err as Error)?.message);
      throw new ActionFailed(err, { analyzed, verdict, reason: 'action-failed' });
    }
    // Nothing but our own insert ran: the savepoint undid all of it.
    const failure = { analyzed, verdict, reason: 'store-failed' };
    logFailure(strapi, failure, err);
    return recordFailure(strapi, ctx, trx, failure);
  }
  return {
    uid: message.uid,
    folder: folderFor(imap, verdict.verdict),
    outcome: verdict.verdict,
    answer: answerFor(analysis, verdict, verdict.verdict, verdict.reason),
  };
}

function logFailure(strapi: Core.Strapi, { reason }: Failure, err: unknown) {
  strapi.log.error(
    `[mail-server] approval reply not applied (${reason}): ${(err as Error)?.message ?? err}`
  );
}

/** Records a message whose decision could not be applied, with the whole message kept. */
export async function recordFailure(
  strapi: Core.Strapi,
  ctx: BatchContext,
  trx: BatchTransaction,
  failure: Failure
): Promise<Handled> {
  const { analyzed, verdict, reason } = failure;
  const data = {
    ...auditRow(ctx, analyzed, verdict),
    verdict: 'failed',
    reason,
    folder: ctx.imap.quarantineFolder,
    raw: rawKept(analyzed),
  };
  await inSavepoint(trx, () => strapi.db.query(INBOUND_UID).create({ data }));
  return {
    uid: analyzed.message.uid,
    folder: ctx.imap.quarantineFolder,
    outcome: 'failed',
    answer: answerFor(analyzed.analysis, verdict, 'failed', reason),
  };
}

/** Records one message in a transaction of its own; an action that fails undoes everything. */
export async function recordAlone(
  strapi: Core.Strapi,
  ctx: BatchContext,
  analyzed: Analyzed
): Promise<Handled> {
  try {
    return await strapi.db.transaction(async ({ trx }) =>
      recordMessage(strapi, ctx, trx, analyzed, await findRecorded(strapi, [analyzed]), 'alone')
    );
  } catch (err) {
    if (!(err instanceof ActionFailed)) throw err;
    logFailure(strapi, err.failure, err.cause);
    return strapi.db.transaction(({ trx }) => recordFailure(strapi, ctx, trx, err.failure));
  }
}

/**
 * One message of the approvals mailbox: analyse it, decide, record the audit row and the
 * decision in one transaction, and queue the short answer to the approver. The caller moves
 * the message to the folder returned, after the whole batch is recorded.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type { FetchedMessage } from '../mail';
import { analyzeReply, type ReplyAnalysis } from '../mail/reply';
import { getService } from '../utils/get-service';
import type { Effective } from '../utils/settings-model';
import { describeReason } from './approval-mail';
import type { Verdict } from './approval-rules';

export const INBOUND_UID = 'plugin::mail-server.inbound-message';
export const MAX_BYTES = 10 * 1024 * 1024;
const RAW_KEPT = 256 * 1024;

type Imap = Effective<'imap'>;

export interface RunReport {
  skipped?: 'not-configured' | 'lease' | 'running';
  handled: number;
  applied: number;
  quarantined: number;
  ignored: number;
  failed: number;
  error?: { code: string; message: string };
}

/** Records one message and its effect; returns the folder it belongs in (moved by the caller). */
export async function handleMessage(
  strapi: Core.Strapi,
  imap: Imap,
  message: FetchedMessage,
  uidValidity: string,
  report: RunReport,
  answers: Promise<unknown>[]
): Promise<string> {
  const inbound = () => strapi.db.query(INBOUND_UID);
  const svc = <K extends Parameters<typeof getService>[1]>(name: K) => getService(strapi, name);
  const own = [imap.username, (await svc('settings').getEffective('smtp')).fromAddress].filter(
    Boolean
  );
  // Too big to read: filed for a person to look at, never parsed.
  const analysis: ReplyAnalysis =
    message.size > MAX_BYTES
      ? {
          kind: 'other',
          decision: null,
          comment: '',
          from: '',
          inReplyTo: null,
          references: [],
          reference: null,
          reason: 'too-large',
          messageId: null,
          subject: '',
          text: '',
        }
      : await analyzeReply(message.source, { ownAddresses: own, maxBytes: MAX_BYTES });
  const rawHash = crypto.createHash('sha256').update(message.source).digest('hex');
  const messageKey = (analysis.messageId ?? `sha256:${rawHash}`).slice(0, 255);
  const folderFor = (verdict: string) =>
    verdict === 'applied'
      ? imap.processedFolder
      : verdict === 'ignored'
        ? imap.ignoredFolder
        : imap.quarantineFolder;

  const known = await inbound().findOne({ where: { messageKey } });
  // Already recorded (a replay, or a crash before the move last time): only file it.
  if (known) return known.folder ?? folderFor(known.verdict);

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
  let outcome: string = verdict.verdict;
  let reason: string = verdict.reason;
  try {
    await strapi.db.transaction(async () => {
      const row = await inbound().create({
        data: {
          ...base,
          verdict: verdict.verdict,
          reason: verdict.reason,
          folder: folderFor(verdict.verdict),
          raw:
            verdict.verdict === 'quarantined'
              ? message.source.subarray(0, RAW_KEPT).toString('latin1')
              : null,
        },
      });
      if (verdict.verdict === 'applied') {
        await svc('approvals').decide(verdict.request, {
          approver: verdict.approver,
          decision: analysis.decision!,
          comment: analysis.comment,
          at: new Date().toISOString(),
          inboundMessageId: row.id,
        });
      }
    });
  } catch (err) {
    // A duplicate key means another instance recorded this message first: file it as it did.
    const again = await inbound().findOne({ where: { messageKey } });
    if (again) return again.folder ?? folderFor(again.verdict);
    outcome = 'failed';
    reason = verdict.verdict === 'applied' ? 'action-failed' : 'store-failed';
    strapi.log.error(
      `[mail-server] approval reply not applied (${reason}): ${(err as Error).message}`
    );
    await inbound().create({
      data: {
        ...base,
        verdict: 'failed',
        reason,
        folder: imap.quarantineFolder,
        raw: message.source.subarray(0, RAW_KEPT).toString('latin1'),
      },
    });
  }
  report.handled++;
  (report as unknown as Record<string, number>)[outcome === 'failed' ? 'failed' : outcome]++;
  const folder = outcome === 'failed' ? imap.quarantineFolder : folderFor(outcome);

  // Answer the approver (never an auto-reply, never a sender who is not the approver).
  if (
    verdict.request &&
    verdict.approver &&
    analysis.kind === 'reply' &&
    analysis.from === verdict.approver.toLowerCase()
  ) {
    const accepted = outcome === 'applied';
    const text = accepted
      ? `Decision: ${analysis.decision === 'approve' ? 'APPROVED' : 'REJECTED'} for "${verdict.request.title}".`
      : `${describeReason(reason)}. (Request "${verdict.request.title}")`;
    answers.push(
      svc('approval-mail')
        .sendAnswer(analysis.from, analysis.messageId, analysis.subject, accepted, text)
        .catch((err: Error) =>
          strapi.log.warn(`[mail-server] could not answer ${analysis.from}: ${err.message}`)
        )
    );
  }
  return folder;
}

/**
 * The approvals job: reads the IMAP mailbox and turns replies into decisions. Only the
 * instance holding the lease works; messages are read with PEEK in bounded batches; for each
 * one the inbound-message row (unique key), the decision and the action commit together, then
 * the message is moved to its folder. A crash between the two leaves a recorded message in
 * the inbox, and the next run only files it: nothing is applied twice, nothing is lost.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { createMailboxReader, type FetchedMessage } from '../mail';
import { analyzeReply, type ReplyAnalysis } from '../mail/reply';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { sectionAuth } from '../utils/section-auth';
import { trustedCas } from '../utils/tls';
import { isConfigured, type Effective } from '../utils/settings-model';
import { describeReason } from './approval-mail';
import type { Verdict } from './approval-rules';

export const INBOUND_UID = 'plugin::mail-server.inbound-message';
const LEASE = 'inbox';
const LEASE_MS = 60_000;
const BATCH = 50;
const MAX_BATCHES = 40;
const MAX_BYTES = 10 * 1024 * 1024;
const RAW_KEPT = 256 * 1024;

export interface RunReport {
  skipped?: 'not-configured' | 'lease' | 'running';
  handled: number;
  applied: number;
  quarantined: number;
  ignored: number;
  failed: number;
  error?: { code: string; message: string };
}

type Imap = Effective<'imap'>;

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let running: Promise<RunReport> | null = null;
  let lastRunAt = 0;
  const inbound = () => strapi.db.query(INBOUND_UID);
  const svc = <K extends Parameters<typeof getService>[1]>(name: K) => getService(strapi, name);

  /** Records one message and its effect; returns the folder it belongs in (moved by the caller). */
  async function handle(
    imap: Imap,
    message: FetchedMessage,
    uidValidity: string,
    report: RunReport,
    answers: Promise<unknown>[]
  ): Promise<string> {
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

  async function runOnce(): Promise<RunReport> {
    const report: RunReport = { handled: 0, applied: 0, quarantined: 0, ignored: 0, failed: 0 };
    lastRunAt = Date.now();
    await svc('approvals').expireDue();
    const imap = await svc('settings').getEffective('imap');
    if (!isConfigured(imap)) return { ...report, skipped: 'not-configured' };
    const lease = svc('lease');
    if (!(await lease.acquire(LEASE, LEASE_MS))) return { ...report, skipped: 'lease' };
    const config = getPluginConfig(strapi);
    const reader = createMailboxReader({
      endpoint: { host: imap.host, port: imap.port, security: imap.security },
      auth: sectionAuth(strapi, 'imap', imap)!,
      tls: { ca: trustedCas(config) },
      timeoutMs: config.testTimeoutSeconds * 1000,
      mailbox: imap.mailbox,
    });
    try {
      const { uidValidity } = await reader.open();
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        const messages = await reader.fetchBatch(BATCH, MAX_BYTES);
        const folders = new Map<string, number[]>();
        const answers: Promise<unknown>[] = [];
        for (const message of messages) {
          const folder = await handle(imap, message, uidValidity, report, answers);
          folders.set(folder, [...(folders.get(folder) ?? []), message.uid]);
        }
        // Filed per folder after the batch is recorded: a crash before this point leaves
        // recorded messages in the inbox, which the next run files without applying again.
        for (const [folder, uids] of folders) await reader.move(uids, folder);
        await Promise.all(answers);
        // Keep the lease while working through a large backlog.
        await lease.acquire(LEASE, LEASE_MS);
        if (messages.length < BATCH) break;
      }
    } catch (err) {
      const e = err as { code?: string; message?: string };
      report.error = { code: e.code ?? 'EUNKNOWN', message: e.message ?? String(err) };
      strapi.log.warn(
        `[mail-server] reading the approvals mailbox failed (${report.error.code}): ${report.error.message}`
      );
    } finally {
      await reader.close();
      await lease.release(LEASE).catch(() => undefined);
    }
    return report;
  }

  return {
    /** One pass over the mailbox; concurrent calls share the pass in progress. */
    run(): Promise<RunReport> {
      running ??= runOnce().finally(() => {
        running = null;
      });
      return running;
    },

    /** The cron tick: runs when the poll interval from the settings has passed. */
    async tick() {
      try {
        const imap = await svc('settings').getEffective('imap');
        if (!isConfigured(imap) || running) return;
        if (Date.now() - lastRunAt < imap.pollInterval * 1000 - 1000) return;
        await this.run();
      } catch (err) {
        strapi.log.warn(`[mail-server] approvals job: ${(err as Error).message}`);
      }
    },

    async stop() {
      await running?.catch(() => undefined);
    },
  };
};

/**
 * The approvals job: reads the IMAP mailbox and turns replies into decisions. Only the
 * instance holding the lease works; messages are read with PEEK in bounded batches; for each
 * one the inbound-message row (unique key), the decision and the action commit together, then
 * the message is moved to its folder. A crash between the two leaves a recorded message in
 * the inbox, and the next run only files it: nothing is applied twice, nothing is lost.
 *
 * Two ways in: the cron tick at the poll interval (the safety net, on every instance), and,
 * when IDLE is on, a loop that keeps the connection open and drains the mailbox as soon as the
 * server announces new mail (near-instant decisions), reconnecting with backoff.
 */
import type { Core } from '@strapi/strapi';
import {
  createBoundedAnalyzer,
  createMailboxReader,
  type BoundedAnalyzer,
  type MailboxReader,
} from '../mail';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { trustedCas } from '../utils/tls';
import { isConfigured, type Effective } from '../settings/model';
import {
  analyzeMessage,
  replyTrust,
  MAX_BYTES,
  type Analyzed,
  type BatchContext,
  type Handled,
  type RunReport,
} from './inbox-message';
import { findRecorded, recordAlone, recordMessage, RedoAlone } from './inbox-record';

export { INBOUND_UID, type RunReport } from './inbox-message';

const LEASE = 'inbox';
const LEASE_MS = 60_000;
const BATCH = 50;
const MAX_BATCHES = 40;
/** IDLE is re-issued well within the lease, which each cycle renews. */
const IDLE_CYCLE_MS = 25_000;
const MAX_BACKOFF_MS = 60_000;

type Imap = Effective<'imap'>;
const emptyReport = (): RunReport => ({
  handled: 0,
  applied: 0,
  quarantined: 0,
  ignored: 0,
  failed: 0,
  refiled: 0,
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let running: Promise<RunReport> | null = null;
  let lastRunAt = 0;
  let stopped = false;
  let idleLoop: Promise<void> | null = null;
  let idleReader: MailboxReader | null = null;
  let unsubscribe: (() => void) | null = null;
  let bounded: BoundedAnalyzer | null = null;
  const svc = <K extends Parameters<typeof getService>[1]>(name: K) => getService(strapi, name);
  /** The analyser with its hard time limit, in a thread of its own; closed in stop(). */
  const analyzer = () =>
    (bounded ??= createBoundedAnalyzer({
      timeoutMs: getPluginConfig(strapi).inbox.analysisTimeoutMs,
    }));

  function openReader(imap: Imap): MailboxReader {
    const config = getPluginConfig(strapi);
    return createMailboxReader({
      endpoint: { host: imap.host, port: imap.port, security: imap.security },
      auth: svc('oauth').authFor('imap', imap)!,
      tls: { ca: trustedCas(config) },
      timeoutMs: config.testTimeoutSeconds * 1000,
      mailbox: imap.mailbox,
    });
  }

  /**
   * Everything currently in the mailbox, batch by batch. A batch is one transaction (a
   * savepoint per message), so the database syncs to disk once per batch, not per message.
   */
  async function drain(reader: MailboxReader, imap: Imap, uidValidity: string, report: RunReport) {
    const smtp = await svc('settings').getEffective('smtp');
    const ctx: BatchContext = {
      imap,
      uidValidity,
      ownAddresses: [imap.username, smtp.fromAddress].filter((a): a is string => !!a),
      trust: replyTrust(imap),
    };
    for (let batch = 0; batch < MAX_BATCHES && !stopped; batch++) {
      const messages = await reader.fetchBatch(BATCH, MAX_BYTES);
      const analyzed: Analyzed[] = [];
      for (const m of messages)
        analyzed.push(await analyzeMessage(m, ctx.ownAddresses, ctx.trust, analyzer()));
      const handled = await recordBatch(ctx, analyzed);
      // Committed: these decisions stand even if filing them fails now.
      for (const { outcome } of handled) {
        if (!outcome) report.refiled++;
        else {
          report.handled++;
          report[outcome]++;
        }
      }
      // Answers go out in the background: a slow SMTP server delays them, not decisions.
      for (const { answer } of handled) if (answer) await svc('approval-mail').queueAnswer(answer);
      // Filed per folder after the batch is committed: a crash before this point leaves
      // recorded messages in the inbox, which the next run files without applying again.
      const folders = new Map<string, number[]>();
      for (const h of handled) folders.set(h.folder, [...(folders.get(h.folder) ?? []), h.uid]);
      for (const [folder, uids] of folders) await reader.move(uids, folder);
      // Keep the lease through a long backlog; if another instance has taken it, stop here.
      if (!(await svc('lease').acquire(LEASE, LEASE_MS))) break;
      if (messages.length < BATCH) break;
    }
  }

  /**
   * One transaction for the batch, a savepoint per message. When an action fails the batch is
   * rolled back and redone one transaction per message (see RedoAlone): rare, and exact.
   */
  async function recordBatch(ctx: BatchContext, analyzed: Analyzed[]): Promise<Handled[]> {
    try {
      return await strapi.db.transaction(async ({ trx }) => {
        const before = await findRecorded(strapi, analyzed);
        const out: Handled[] = [];
        for (const a of analyzed)
          out.push(await recordMessage(strapi, ctx, trx, a, before, 'batch'));
        return out;
      });
    } catch (err) {
      if (!(err instanceof RedoAlone)) throw err;
      const out: Handled[] = [];
      for (const a of analyzed) out.push(await recordAlone(strapi, ctx, a));
      return out;
    }
  }

  /** Serialises passes within this process (cron tick, IDLE wake-up, admin "run now"). */
  function exclusive(work: () => Promise<RunReport>): Promise<RunReport> {
    const previous = running ?? Promise.resolve(emptyReport());
    const next = previous.catch(() => undefined).then(work);
    const tracked: Promise<RunReport> = next.finally(() => {
      if (running === tracked) running = null;
    });
    // The caller gets `next` and its failure; this copy is only for ordering and stop().
    tracked.catch(() => undefined);
    running = tracked;
    return next;
  }

  async function runOnce(): Promise<RunReport> {
    const report = emptyReport();
    lastRunAt = Date.now();
    await svc('approvals').expireDue();
    const imap = await svc('settings').getEffective('imap');
    if (!isConfigured(imap)) return { ...report, skipped: 'not-configured' };
    // The IDLE loop of this process holds the connection: let it do the work.
    if (idleReader?.usable) return drainIdle(report);
    if (!(await svc('lease').acquire(LEASE, LEASE_MS))) return { ...report, skipped: 'lease' };
    const reader = openReader(imap);
    try {
      const { uidValidity } = await reader.open();
      await drain(reader, imap, uidValidity, report);
    } catch (err) {
      fail(report, err);
    } finally {
      await reader.close();
      await svc('lease')
        .release(LEASE)
        .catch(() => undefined);
    }
    return report;
  }

  let idleContext: { imap: Imap; uidValidity: string } | null = null;
  async function drainIdle(report: RunReport): Promise<RunReport> {
    if (!idleReader || !idleContext) return report;
    try {
      await drain(idleReader, idleContext.imap, idleContext.uidValidity, report);
    } catch (err) {
      fail(report, err);
    }
    return report;
  }

  function fail(report: RunReport, err: unknown) {
    const e = err as { code?: string; message?: string };
    report.error = { code: e.code ?? 'EUNKNOWN', message: e.message ?? String(err) };
    strapi.log.warn(
      `[mail-server] reading the approvals mailbox failed (${report.error.code}): ${report.error.message}`
    );
  }

  // A settings change (IMAP filled in, IDLE switched on) ends the wait at once.
  let wake: (() => void) | null = null;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  /** Holds the lease and an IDLE connection while IDLE is on; backs off on failures. */
  async function idle() {
    let backoff = 1_000;
    while (!stopped) {
      const imap = await svc('settings')
        .getEffective('imap')
        .catch(() => null);
      const revision = await svc('settings').getRevision();
      if (
        !imap ||
        !isConfigured(imap) ||
        !imap.idle ||
        !(await svc('lease').acquire(LEASE, LEASE_MS))
      ) {
        await sleep(10_000);
        continue;
      }
      const reader = openReader(imap);
      try {
        const { uidValidity } = await reader.open();
        idleReader = reader;
        idleContext = { imap, uidValidity };
        backoff = 1_000;
        await exclusive(() => drainIdle(emptyReport()));
        // Until stopped or the settings change: wait for new mail, drain, renew the lease.
        while (!stopped && reader.usable && (await svc('settings').getRevision()) === revision) {
          const woke = await reader.waitForMail(IDLE_CYCLE_MS);
          if (!(await svc('lease').acquire(LEASE, LEASE_MS))) break;
          if (woke && !stopped) await exclusive(() => drainIdle(emptyReport()));
        }
      } catch (err) {
        if (!stopped) {
          strapi.log.warn(
            `[mail-server] IMAP IDLE: ${(err as Error).message}; retrying in ${backoff / 1000} s`
          );
          await sleep(backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      } finally {
        idleReader = null;
        idleContext = null;
        await reader.close();
        await svc('lease')
          .release(LEASE)
          .catch(() => undefined);
      }
    }
  }

  return {
    analyzer,

    /** One pass over the mailbox, after any pass in progress in this process. */
    run(): Promise<RunReport> {
      return exclusive(runOnce);
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

    /** Starts the IDLE loop (it waits by itself while IMAP is not configured or IDLE is off). */
    startIdle() {
      if (!getPluginConfig(strapi).inbox.idle || idleLoop) return;
      unsubscribe = svc('settings').onChange(() => wake?.());
      idleLoop = idle();
    },

    async stop() {
      stopped = true;
      unsubscribe?.();
      wake?.();
      await idleReader?.close();
      await idleLoop;
      await running?.catch(() => undefined);
      await bounded?.close();
      bounded = null;
    },
  };
};

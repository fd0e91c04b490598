/**
 * The approvals job: reads the IMAP mailbox and turns replies into decisions. Only the
 * instance holding the lease works; messages are read with PEEK in bounded batches; each batch
 * is recorded in one transaction (batch.ts; one message's path: message.ts), then its messages
 * are moved to their folders and the approvers answered. A crash between the commit and the
 * move leaves recorded messages in the inbox, and the next pass only files them: nothing is
 * applied twice, nothing is lost.
 *
 * Two ways in: the cron tick at the poll interval (the safety net, on every instance), and,
 * when IDLE is on, a loop that keeps the connection open and drains the mailbox as soon as the
 * server announces new mail (near-instant decisions), reconnecting with backoff. Over
 * Microsoft Graph, which has no IDLE, the same loop looks at the folder every few seconds
 * (inbox.graphPollSeconds).
 */
import type { Core } from '@strapi/strapi';
import {
  createBoundedAnalyzer,
  createGraphMailboxReader,
  createMailboxReader,
  isOAuth2,
  type BoundedAnalyzer,
  type MailboxReader,
} from '../../mail';
import { graphNeedsOAuth2 } from '../../errors';
import { approvalMailbox } from '../../approvals/mailbox';
import { getPluginConfig } from '../../utils/plugin-config';
import { getService } from '../../utils/get-service';
import { trustedCas } from '../../utils/tls';
import { graphHost, isConfigured, type Effective } from '../../settings/model';
import { recordBatch, type Source } from './batch';
import { diagnosed } from '../inbox-health';
import { analyzeMessage, MAX_BYTES, type Analyzed } from './message';

const LEASE = 'inbox';
const LEASE_MS = 60_000;
const BATCH = 50;
/** A batch holds at most this much mail in memory (50 × 10 MB otherwise). */
const BATCH_BYTES = 32 * 1024 * 1024;
const MAX_BATCHES = 40;
/** IDLE is re-issued well within the lease, which each cycle renews. */
const IDLE_CYCLE_MS = 25_000;
const MAX_BACKOFF_MS = 60_000;

type Imap = Effective<'imap'>;

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

const emptyReport = (): RunReport => ({
  handled: 0,
  applied: 0,
  quarantined: 0,
  ignored: 0,
  failed: 0,
  refiled: 0,
});

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /**
   * Everything the cron tick, the IDLE loop, "run now" and stop() share, in one place; only
   * this service reads or writes it.
   */
  const state = {
    stopped: false,
    /** the pass in progress in this process: passes never overlap (see exclusive) */
    pass: null as Promise<RunReport> | null,
    lastPassAt: 0,
    /** the analyser with its hard time limit, in a thread of its own; closed in stop() */
    analyzer: null as BoundedAnalyzer | null,
    idle: {
      loop: null as Promise<void> | null,
      /** the IDLE connection, open and selected: a pass drains through it instead of its own */
      open: null as { reader: MailboxReader; source: Omit<Source, 'mailbox'> } | null,
      /** ends the loop's current sleep (a settings change, stop) */
      wake: null as (() => void) | null,
      /** a wake-up that came while the loop was not asleep: its next sleep ends at once */
      woken: false,
      /** ends the current wait for new mail (a settings change: reconnect with the new ones) */
      interrupt: null as AbortController | null,
      unsubscribe: null as (() => void) | null,
    },
  };
  const svc = <K extends Parameters<typeof getService>[1]>(name: K) => getService(strapi, name);
  const analyzer = () =>
    (state.analyzer ??= createBoundedAnalyzer({
      timeoutMs: getPluginConfig(strapi).inbox.analysisTimeoutMs,
    }));

  /** A reader over IMAP, or over Microsoft Graph (the section's transport). */
  function openReader(imap: Imap): MailboxReader {
    const config = getPluginConfig(strapi);
    const auth = svc('oauth-token').authFor('imap', imap)!;
    const common = { tls: { ca: trustedCas(config) }, timeoutMs: config.timeoutSeconds * 1000 };
    if (imap.transport === 'graph') {
      if (!isOAuth2(auth)) throw graphNeedsOAuth2('imap');
      return createGraphMailboxReader({
        ...common,
        host: graphHost(imap),
        mailbox: imap.username,
        folder: imap.mailbox,
        auth,
        pollMs: config.inbox.graphPollSeconds * 1000,
      });
    }
    return createMailboxReader({
      ...common,
      endpoint: { host: imap.host, port: imap.port, security: imap.security },
      auth,
      mailbox: imap.mailbox,
    });
  }

  /** Everything currently in the mailbox, batch by batch: read, record, answer, file. */
  async function drain(reader: MailboxReader, from: Omit<Source, 'mailbox'>, report: RunReport) {
    const smtp = await svc('settings').getEffective('smtp');
    const source: Source = { ...from, mailbox: approvalMailbox(smtp, from.imap) };
    for (let batch = 0; batch < MAX_BATCHES && !state.stopped; batch++) {
      const messages = await reader.fetchBatch(BATCH, MAX_BYTES, BATCH_BYTES);
      if (messages.length === 0) break;
      // Parsing is CPU work only: done before the batch's transaction opens, to keep it short.
      const analyzed: Analyzed[] = [];
      for (const m of messages) analyzed.push(await analyzeMessage(m, source.mailbox, analyzer()));
      const handled = await recordBatch(strapi, source, analyzed);
      // Committed: these decisions stand even if filing them fails now.
      for (const { outcome } of handled) {
        if (!outcome) report.refiled++;
        else {
          report.handled++;
          report[outcome]++;
        }
      }
      // Their answers are in the outbox (written with them): a slow SMTP server delays the
      // answers, never the decisions.
      // Filed per folder after the batch is committed: a crash before this point leaves
      // recorded messages in the inbox, which the next pass files without applying again.
      const folders = new Map<string, number[]>();
      for (const h of handled) folders.set(h.folder, [...(folders.get(h.folder) ?? []), h.uid]);
      for (const [folder, uids] of folders) await reader.move(uids, folder);
      // Keep the lease through a long backlog; if another instance has taken it, stop here.
      if (!(await svc('lease').acquire(LEASE, LEASE_MS))) break;
    }
  }

  /** Serialises passes within this process (cron tick, IDLE wake-up, admin "run now"). */
  function exclusive(work: () => Promise<RunReport>): Promise<RunReport> {
    const previous = state.pass ?? Promise.resolve(emptyReport());
    const next = previous.catch(() => undefined).then(work);
    const tracked: Promise<RunReport> = next.finally(() => {
      if (state.pass === tracked) state.pass = null;
    });
    // The caller gets `next` and its failure; this copy is only for ordering and stop().
    tracked.catch(() => undefined);
    state.pass = tracked;
    return next;
  }

  /**
   * Requests past their expiry are expired by the instance that holds the lease (or by every
   * instance when there is no mailbox to share), never by one the lease keeps out: on
   * MySQL/MariaDB that UPDATE locks every request row it scans (no index serves its WHERE, and
   * REPEATABLE READ keeps the locks), in id order, while the holder's batch locks the rows it
   * decides in reply order; the two deadlocked and the database undid the holder's batch.
   */
  const expireDue = () => svc('approvals').expireDue();

  /** One pass: through the IDLE connection when this process holds one, else its own. */
  async function pass(): Promise<RunReport> {
    const report = emptyReport();
    state.lastPassAt = Date.now();
    const imap = await svc('settings').getEffective('imap');
    if (!isConfigured(imap)) {
      await expireDue();
      return { ...report, skipped: 'not-configured' };
    }
    if (state.idle.open?.reader.usable) {
      await expireDue();
      return drainIdle(report);
    }
    if (!(await svc('lease').acquire(LEASE, LEASE_MS))) return { ...report, skipped: 'lease' };
    let reader: MailboxReader | undefined;
    try {
      await expireDue();
      reader = openReader(imap);
      const { uidValidity } = await reader.open();
      await drain(reader, { imap, uidValidity }, report);
      noteHealth(report);
    } catch (err) {
      fail(report, err);
    } finally {
      await reader?.close();
      await svc('lease')
        .release(LEASE)
        .catch(() => undefined);
    }
    return report;
  }

  async function drainIdle(report: RunReport): Promise<RunReport> {
    const open = state.idle.open;
    if (!open) return report;
    try {
      await drain(open.reader, open.source, report);
      noteHealth(report);
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
    noteHealth(report, err);
  }

  /** What the admin's health strip shows: this pass, or the failure to get to the mailbox. */
  function noteHealth(report: RunReport, error?: unknown) {
    const { handled, applied, quarantined, ignored, failed } = report;
    void svc('inbox-health')
      .record({ counts: { handled, applied, quarantined, ignored, failed }, error })
      .catch((err: { code?: string }) =>
        strapi.log.warn(
          `[mail-server] could not record the mailbox job's health (${err?.code ?? 'error'})`
        )
      );
  }

  /** Waits `ms`, or less when woken (IMAP filled in, IDLE switched on, stop). */
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      // Settings saved while the loop was reading them (not asleep): not a wake-up lost for
      // a whole sleep — it goes round again at once with what was saved.
      if (state.idle.woken) {
        state.idle.woken = false;
        return resolve();
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        state.idle.wake = null;
        resolve();
      }
      state.idle.wake = done;
    });

  /** Holds the lease and an IDLE connection while IDLE is on; backs off on failures. */
  async function idleLoop() {
    let backoff = 1_000;
    while (!state.stopped) {
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
      let reader: MailboxReader | undefined;
      try {
        reader = openReader(imap);
        const { uidValidity } = await reader.open();
        state.idle.open = { reader, source: { imap, uidValidity } };
        backoff = 1_000;
        await exclusive(() => drainIdle(emptyReport()));
        // Until stopped or the settings change: wait for new mail, drain, renew the lease.
        for (;;) {
          // Made before the revision is read: a change saved meanwhile aborts this wait.
          const interrupt = (state.idle.interrupt = new AbortController());
          if (state.stopped || !reader.usable) break;
          if ((await svc('settings').getRevision()) !== revision) break;
          const woke = await reader.waitForMail(IDLE_CYCLE_MS, interrupt.signal);
          if (!(await svc('lease').acquire(LEASE, LEASE_MS))) break;
          if (woke && !state.stopped) await exclusive(() => drainIdle(emptyReport()));
        }
      } catch (err) {
        if (!state.stopped) {
          // The diagnosis, as the health strip shows it, not the library's raw message.
          const { code, diagnosis } = diagnosed(err);
          strapi.log.warn(
            `[mail-server] watching the approvals mailbox failed (${code}): ${diagnosis} Retrying in ${backoff / 1000} s.`
          );
          noteHealth(emptyReport(), err);
          await sleep(backoff);
          backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
      } finally {
        state.idle.open = null;
        await reader?.close();
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
      return exclusive(pass);
    },

    /** The cron tick: runs when the poll interval from the settings has passed. */
    async tick() {
      try {
        const imap = await svc('settings').getEffective('imap');
        if (!isConfigured(imap) || state.pass) return;
        if (Date.now() - state.lastPassAt < imap.pollInterval * 1000 - 1000) return;
        await this.run();
      } catch (err) {
        strapi.log.warn(`[mail-server] approvals job: ${(err as Error).message}`);
      }
    },

    /** Starts the IDLE loop (it waits by itself while IMAP is not configured or IDLE is off). */
    startIdle() {
      if (!getPluginConfig(strapi).inbox.idle || state.idle.loop) return;
      state.idle.unsubscribe = svc('settings').onChange(() => {
        if (state.idle.wake) state.idle.wake();
        else state.idle.woken = true;
        state.idle.interrupt?.abort();
      });
      state.idle.loop = idleLoop();
    },

    async stop() {
      state.stopped = true;
      state.idle.unsubscribe?.();
      state.idle.wake?.();
      await state.idle.open?.reader.close();
      await state.idle.loop;
      await state.pass?.catch(() => undefined);
      await state.analyzer?.close();
      state.analyzer = null;
    },
  };
};

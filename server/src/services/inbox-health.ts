/**
 * How the approvals mailbox job fares, for the admin (Settings → Mail Server's health strip,
 * the Approvals page's badge): the last pass, its counts, and while passes fail the error,
 * diagnosed as a Test result is (same codes and fix texts, from the mail layer). Kept in
 * Strapi's store, so the admin sees what the instance holding the lease did, from any instance.
 *
 * A pass that reads nothing on a healthy mailbox writes only when the last write is a minute
 * old: IDLE wakes and the cron tick cost no database write each.
 */
import type { Core } from '@strapi/strapi';
import { redactRefs } from '../mail';
import { isConfigured } from '../settings/model';
import type { DiagnosedError, InboxHealth } from '../../../shared/contracts/inbox-health';
import { getService } from '../utils/get-service';

type Stored = Omit<InboxHealth, 'configured'>;
export type PassOutcome = {
  counts: InboxHealth['counts'];
  error?: unknown;
};

const KEY = 'inbox-health';
const QUIET_WRITE_MS = 60_000;

const EMPTY: Stored = {
  lastRunAt: null,
  lastSuccessAt: null,
  result: null,
  counts: { handled: 0, applied: 0, quarantined: 0, ignored: 0, failed: 0 },
  failures: 0,
  failingSince: null,
  error: null,
};

/** The error as the admin may read it: a diagnosed one as it is, anything else unexplained. */
export function diagnosed(err: unknown): DiagnosedError {
  const e = (err ?? {}) as { code?: unknown; reason?: unknown; diagnosis?: unknown; fix?: unknown };
  if (typeof e.code === 'string' && typeof e.diagnosis === 'string') {
    return {
      code: e.code,
      reason: typeof e.reason === 'string' ? e.reason : null,
      diagnosis: redactRefs(e.diagnosis) ?? '',
      fix: typeof e.fix === 'string' ? (redactRefs(e.fix) ?? null) : null,
    };
  }
  // Not from the mail layer (a database error): its text can quote a message; never shown.
  return {
    code: 'EUNKNOWN',
    reason: null,
    diagnosis: 'The mailbox job failed with an unexpected error; the server log has the details.',
    fix: null,
  };
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const store = () => strapi.store({ type: 'plugin', name: 'mail-server', key: KEY });
  let last: Stored | null = null;
  let lastWriteMs = 0;

  async function read(): Promise<Stored> {
    const value = (await store().get({})) as Stored | null;
    return value ? { ...EMPTY, ...value } : EMPTY;
  }

  return {
    /** Records a pass of the job (or a failure to open the mailbox, which is one). */
    async record({ counts, error }: PassOutcome): Promise<void> {
      const now = new Date().toISOString();
      const before = last ?? (await read());
      const quiet =
        !error &&
        before.result === 'ok' &&
        counts.handled === 0 &&
        Date.now() - lastWriteMs < QUIET_WRITE_MS;
      if (quiet) return;
      const next: Stored = error
        ? {
            ...before,
            lastRunAt: now,
            result: 'failed',
            counts,
            failures: before.failures + 1,
            failingSince: before.failingSince ?? now,
            error: diagnosed(error),
          }
        : {
            ...before,
            lastRunAt: now,
            lastSuccessAt: now,
            result: 'ok',
            counts,
            failures: 0,
            failingSince: null,
            error: null,
          };
      await store().set({ value: next });
      last = next;
      lastWriteMs = Date.now();
    },

    async get(): Promise<InboxHealth> {
      const imap = await getService(strapi, 'settings').getEffective('imap');
      // Read from the store, not this process's copy: another instance may hold the lease.
      return { configured: isConfigured(imap), ...(await read()) };
    },

    /** Forgets this process's copy (a test, or settings that changed the mailbox). */
    forget() {
      last = null;
      lastWriteMs = 0;
    },
  };
};

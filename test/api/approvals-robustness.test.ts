/**
 * Robustness of the approvals-by-email job (server/src/services/inbox*.ts, lease.ts) on the
 * real mail stack:
 *  (a) two Strapi processes on one shared database draining one mailbox of 500 replies:
 *      every decision applied exactly once;
 *  (b) Dovecot stopped in the middle of a batch (after records, before the move), then still
 *      down, then started again: nothing lost, nothing applied twice, everything filed;
 *  (c) the process SIGKILLed between commit and move: the next run (once the dead holder's
 *      lease has expired) only files what was recorded and processes the rest.
 * (a), (c) and the lease-defeated suite need a database several processes share: MySQL/MariaDB
 * (a database per suite) when DATABASE_CLIENT=mysql, else PostgreSQL (127.0.0.1:5432, database
 * `test`, a schema per suite), even on a SQLite run; (b) uses whatever DATABASE_CLIENT selects.
 * The plugin must be built (`npm run build`).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { diagnostic } from '../helpers/diagnostic';
import type { Core } from '@strapi/strapi';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { startMailStack } from '../mailstack';
import type { MailStack, MailUser } from '../mailstack/types';
import {
  ARTICLE,
  INBOUND_UID,
  LEASE_UID,
  REQUEST_UID,
  appendMany,
  configureMailbox,
  jobFolders,
  messageIdsIn,
  pendingRequests,
  replyMessageId,
  replyTo,
  sharedClient,
  spawnRunner,
  type Pending,
  type Runner,
  type SharedClient,
} from '../helpers/approval-load';

const INBOX_JOB = 'mail-server-inbox';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function users(stack: MailStack) {
  const find = (p: string) => stack.users.find((u) => u.address.startsWith(p))!;
  return { approver: find('approver@'), mailbox: find('mailbox@') };
}

/** bootStrapi on a fresh schema of the shared database (sharedClient); env restored by stop(). */
async function bootShared(
  stack: MailStack
): Promise<{ app: TestStrapi; client: SharedClient; schema: string }> {
  const saved = {
    DATABASE_CLIENT: process.env.DATABASE_CLIENT,
    DATABASE_SCHEMA: process.env.DATABASE_SCHEMA,
  };
  const client = sharedClient();
  const app = await bootStrapi({ DATABASE_CLIENT: client, MAIL_SERVER_CA_FILE: stack.caFile });
  const schema = process.env.DATABASE_SCHEMA!;
  const stop = app.stop.bind(app);
  app.stop = async () => {
    try {
      await stop();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  };
  return { app, client, schema };
}

async function inboundCount(strapi: Core.Strapi) {
  return strapi.db.query(INBOUND_UID).count({});
}

/** Runs the job in this process until the INBOX is empty (bounded). */
async function drainHere(strapi: Core.Strapi, stack: MailStack, mailbox: MailUser) {
  const reports = [];
  for (let i = 0; i < 20; i++) {
    const r = await strapi.plugin('mail-server').service('inbox').run();
    reports.push(r);
    if ((await jobFolders(stack, mailbox)).INBOX === 0) return reports;
  }
  throw new Error(`the INBOX is not empty after 20 runs: ${JSON.stringify(reports)}`);
}

/** Every reply applied exactly once, every entry published, every message filed. */
async function assertExactlyOnce(
  strapi: Core.Strapi,
  stack: MailStack,
  mailbox: MailUser,
  requests: Pending[],
  opts: { duplicateCopies?: boolean } = {}
): Promise<number> {
  const n = requests.length;
  const rows = await strapi.db
    .query(REQUEST_UID)
    .findMany({ where: { id: { $in: requests.map((r) => r.id) } } });
  expect(rows.length).toBe(n);
  const notApproved = rows.filter((r: { status: string }) => r.status !== 'approved');
  expect(notApproved.length).toBe(0);
  const wrongDecisions = rows.filter(
    (r: { decisions: unknown[] }) => (r.decisions ?? []).length !== 1
  );
  expect(
    wrongDecisions.map((r: { id: number; decisions: unknown[] }) => [r.id, r.decisions.length])
  ).toStrictEqual([]); // each request has exactly one decision

  const inbound = await strapi.db.query(INBOUND_UID).findMany({});
  expect(inbound.length).toBe(n); // one inbound row per reply
  const byId = new Map<string, number>();
  for (const row of inbound) byId.set(row.messageId, (byId.get(row.messageId) ?? 0) + 1);
  expect(byId.size).toBe(n); // one inbound row per Message-ID
  for (const r of requests) {
    const id = replyMessageId(r.id);
    expect(byId.get(id)).toBe(1);
  }
  const notApplied = inbound.filter((r: { verdict: string }) => r.verdict !== 'applied');
  expect(
    notApplied.map((r: { messageId: string; verdict: string; reason: string }) => [
      r.messageId,
      r.verdict,
      r.reason,
    ])
  ).toStrictEqual([]);

  const published = await strapi.documents(ARTICLE).count({ status: 'published' } as never);
  expect(published).toBe(n); // every entry published once

  const folders = await jobFolders(stack, mailbox);
  if (!opts.duplicateCopies) {
    expect(folders).toStrictEqual({ INBOX: 0, Processed: n, Quarantine: 0, Ignored: 0 });
    return 0;
  }
  // Two IMAP sessions moving the same UID at once can each copy it (MOVE = COPY + EXPUNGE):
  // extra copies in Processed are tolerated here, a missing or misfiled reply is not.
  expect({ ...folders, Processed: undefined }).toStrictEqual({
    INBOX: 0,
    Processed: undefined,
    Quarantine: 0,
    Ignored: 0,
  });
  const ids = await messageIdsIn(stack, mailbox, 'Processed');
  expect(ids.length).toBe(folders.Processed);
  const expected = new Set(requests.map((r) => replyMessageId(r.id)));
  expect(new Set(ids)).toStrictEqual(expected); // every reply filed in Processed
  return ids.length - expected.size;
}

describe(`two Strapi processes on ${sharedClient()}, one mailbox with 500 replies at once`, () => {
  const N = 500;
  let stack: MailStack;
  let app: TestStrapi;
  let client: SharedClient;
  let schema: string;
  const runners: Runner[] = [];

  beforeAll(async () => {
    stack = await startMailStack();
    ({ app, client, schema } = await bootShared(stack));
    app.strapi.cron.remove(INBOX_JOB); // the parent only prepares and checks
    await configureMailbox(app.strapi, stack, users(stack).mailbox);
  });
  afterAll(async () => {
    for (const r of runners) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await Promise.all(runners.map((r) => r.exited));
    await app?.stop();
    await stack?.stop();
  });

  test('every decision is applied exactly once', async () => {
    const { approver, mailbox } = users(stack);
    const t0 = Date.now();
    const requests = await pendingRequests(app.strapi, approver.address, N);
    await appendMany(
      stack,
      mailbox,
      requests.map((r) => replyTo(app.strapi, approver.address, mailbox.address, r.id))
    );
    expect((await jobFolders(stack, mailbox)).INBOX).toBe(N);
    diagnostic(`${N} requests and replies ready in ${Date.now() - t0} ms`);

    // Booted one after the other (schema sync is not the subject), started together.
    for (const name of ['A', 'B']) {
      const r = spawnRunner({ name, client, schema, stack, mailbox, deadlineMs: 90_000 });
      runners.push(r);
      await r.ready;
    }
    const t1 = Date.now();
    for (const r of runners) r.go();
    const summaries = await Promise.all(
      runners.map((r) =>
        r.done.catch((err) => {
          throw new Error(`${err.message}\n${r.output().slice(-4000)}`);
        })
      )
    );
    diagnostic(`job across both processes: ${Date.now() - t1} ms`);
    for (const s of summaries) diagnostic(JSON.stringify(s));

    for (const s of summaries) {
      expect(s.errors).toStrictEqual([]);
      expect(s.failed).toBe(0);
      // Took part: applied something, or was kept out by the lease at least once.
      expect(s.applied > 0 || s.skippedLease > 0).toBeTruthy();
    }
    expect(summaries.some((s) => s.finished)).toBeTruthy(); // one of them saw the INBOX empty
    expect(summaries.reduce((a, s) => a + s.applied, 0)).toBe(N); // the processes applied N decisions between them
    const both = summaries.every((s) => s.applied > 0);
    diagnostic(
      both
        ? 'both processes applied decisions (the lease passed between runs)'
        : `only ${summaries.find((s) => s.applied > 0)?.name} applied; the other was kept out by the lease ${summaries.find((s) => s.applied === 0)?.skippedLease} time(s)`
    );
    await assertExactlyOnce(app.strapi, stack, mailbox, requests);
  }, 120_000);
});

describe('Dovecot stopped in the middle of a batch', () => {
  const N = 120;
  let stack: MailStack;
  let app: TestStrapi;

  beforeAll(async () => {
    stack = await startMailStack();
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile });
    app.strapi.cron.remove(INBOX_JOB);
    await configureMailbox(app.strapi, stack, users(stack).mailbox);
  });
  afterAll(async () => {
    await app?.stop();
    await stack?.stop();
  });

  test('the job recovers: every reply applied once, every message filed', async () => {
    const { approver, mailbox } = users(stack);
    const dovecot = stack.dovecot!;
    const requests = await pendingRequests(app.strapi, approver.address, N);
    await appendMany(
      stack,
      mailbox,
      requests.map((r) => replyTo(app.strapi, approver.address, mailbox.address, r.id))
    );
    const inbox = app.strapi.plugin('mail-server').service('inbox');

    // Dovecot stops (for real: every process of it ends) once 10 messages of the first batch
    // are recorded; the batch still commits, then filing it fails.
    let created = 0;
    let stopped = false;
    const unsubscribe = app.strapi.db.lifecycles.subscribe({
      models: [INBOUND_UID],
      async afterCreateMany(event) {
        created += (event.result as { count: number }).count;
        if (created >= 10 && !stopped) {
          stopped = true;
          await dovecot.stop();
        }
      },
    }) as unknown as () => void;
    const first = await inbox.run();
    unsubscribe();
    diagnostic(`run during the outage: ${JSON.stringify(first)}`);
    expect(stopped).toBeTruthy(); // Dovecot was stopped mid-batch
    expect(first.error).toBeTruthy(); // the run reports the lost connection
    const recorded = await inboundCount(app.strapi);
    expect(recorded >= 10 && recorded <= 50).toBeTruthy();
    expect(first.applied).toBe(recorded); // the committed decisions are reported

    // Still down: the run fails to connect and changes nothing.
    const down = await inbox.run();
    diagnostic(`run while Dovecot is down: ${JSON.stringify(down)}`);
    expect(down.error?.code).toBe('ECONNECTION');
    expect(down.handled).toBe(0);
    expect(await inboundCount(app.strapi)).toBe(recorded);

    // Back: nothing had been moved; the recorded messages are only filed, the rest decided.
    await dovecot.start();
    expect((await jobFolders(stack, mailbox)).INBOX).toBe(N); // nothing was moved
    const reports = await drainHere(app.strapi, stack, mailbox);
    diagnostic(`runs after the restart: ${JSON.stringify(reports)}`);
    expect(reports.reduce((a, r) => a + r.applied, 0)).toBe(N - recorded); // only the unrecorded replies were applied after the restart
    expect(reports.reduce((a, r) => a + r.refiled, 0)).toBe(recorded); // the recorded ones were filed without applying them again
    for (const r of reports) expect(r.error).toBe(undefined);
    await assertExactlyOnce(app.strapi, stack, mailbox, requests);
  }, 120_000);
});

describe('the process killed between commit and move', () => {
  const N = 120;
  let stack: MailStack;
  let app: TestStrapi;
  let client: SharedClient;
  let schema: string;
  let runner: Runner | undefined;

  beforeAll(async () => {
    stack = await startMailStack();
    ({ app, client, schema } = await bootShared(stack));
    app.strapi.cron.remove(INBOX_JOB);
    await configureMailbox(app.strapi, stack, users(stack).mailbox);
  });
  afterAll(async () => {
    if (runner && runner.child.exitCode === null && runner.child.signalCode === null)
      runner.child.kill('SIGKILL');
    await runner?.exited;
    await app?.stop();
    await stack?.stop();
  });

  test('a fresh run files what was recorded and applies nothing twice', async () => {
    const { approver, mailbox } = users(stack);
    const requests = await pendingRequests(app.strapi, approver.address, N);
    await appendMany(
      stack,
      mailbox,
      requests.map((r) => replyTo(app.strapi, approver.address, mailbox.address, r.id))
    );

    runner = spawnRunner({ name: 'victim', client, schema, stack, mailbox, deadlineMs: 60_000 });
    await runner.ready;
    runner.go();
    const deadline = Date.now() + 60_000;
    while ((await inboundCount(app.strapi)) < 20) {
      if (Date.now() > deadline)
        throw new Error(`no commit seen:\n${runner.output().slice(-4000)}`);
      if (runner.child.exitCode !== null)
        throw new Error(`runner exited:\n${runner.output().slice(-4000)}`);
      await sleep(5);
    }
    runner.child.kill('SIGKILL');
    const exit = await runner.exited;
    expect(exit.signal).toBe('SIGKILL');

    const recorded = await inboundCount(app.strapi);
    const folders = await jobFolders(stack, mailbox);
    const recordedInInbox = folders.INBOX - (N - recorded);
    diagnostic(
      `killed with ${recorded} recorded; folders ${JSON.stringify(folders)}; recorded but not moved: ${recordedInInbox}`
    );
    expect(recordedInInbox > 0).toBeTruthy(); // some recorded messages were still in the INBOX (killed between commit and move)

    const inbox = app.strapi.plugin('mail-server').service('inbox');
    // The dead process still holds the lease: this instance waits for it to expire...
    const kept = await inbox.run();
    expect(kept.skipped).toBe('lease');
    expect(await inboundCount(app.strapi)).toBe(recorded);
    // ...which the test fast-forwards instead of waiting the 60 s TTL.
    await app.strapi.db
      .query(LEASE_UID)
      .updateMany({ where: { name: 'inbox' }, data: { expiresAt: 0 } });

    const reports = await drainHere(app.strapi, stack, mailbox);
    diagnostic(`runs after the crash: ${JSON.stringify(reports)}`);
    expect(reports.reduce((a, r) => a + r.applied, 0)).toBe(N - recorded); // only the unrecorded replies were applied after the crash
    await assertExactlyOnce(app.strapi, stack, mailbox, requests);
  }, 120_000);
});

describe('two processes working at the same time (the lease defeated)', () => {
  // The lease normally keeps the second process out (see the first suite); here the test
  // expires it every 10 ms so both drain the same messages at once, which leaves only the
  // database-unique messageKey between a reply and a second application.
  const N = 200;
  let stack: MailStack;
  let app: TestStrapi;
  let client: SharedClient;
  let schema: string;
  const runners: Runner[] = [];
  let expirer: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    stack = await startMailStack();
    ({ app, client, schema } = await bootShared(stack));
    app.strapi.cron.remove(INBOX_JOB);
    await configureMailbox(app.strapi, stack, users(stack).mailbox);
  });
  afterAll(async () => {
    clearInterval(expirer);
    for (const r of runners) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await Promise.all(runners.map((r) => r.exited));
    await app?.stop();
    await stack?.stop();
  });

  test('the unique messageKey alone keeps every decision single', async () => {
    const { approver, mailbox } = users(stack);
    const requests = await pendingRequests(app.strapi, approver.address, N);
    await appendMany(
      stack,
      mailbox,
      requests.map((r) => replyTo(app.strapi, approver.address, mailbox.address, r.id))
    );
    for (const name of ['C', 'D']) {
      const r = spawnRunner({ name, client, schema, stack, mailbox, deadlineMs: 90_000 });
      runners.push(r);
      await r.ready;
    }
    const lease = app.strapi.db.query(LEASE_UID);
    let expiring = false;
    expirer = setInterval(() => {
      if (expiring) return;
      expiring = true;
      lease
        .updateMany({ where: { name: 'inbox' }, data: { expiresAt: 0 } })
        .catch(() => undefined)
        .finally(() => (expiring = false));
    }, 10);
    for (const r of runners) r.go();
    const summaries = await Promise.all(
      runners.map((r) =>
        r.done.catch((err) => {
          throw new Error(`${err.message}\n${r.output().slice(-4000)}`);
        })
      )
    );
    clearInterval(expirer);
    for (const s of summaries) diagnostic(JSON.stringify(s));
    expect(summaries.every((s) => s.finished)).toBeTruthy(); // both saw the INBOX empty
    // Each worked on the mailbox: decided messages, or filed those the other had just
    // recorded (which it can only meet when they really work at the same time).
    expect(summaries.every((s) => s.handled + s.refiled > 0)).toBeTruthy(); // both processes worked on messages at the same time
    expect(summaries.reduce((a, s) => a + s.applied, 0)).toBe(N); // N decisions applied between them
    const extra = await assertExactlyOnce(app.strapi, stack, mailbox, requests, {
      duplicateCopies: true,
    });
    diagnostic(`extra copies of replies in Processed (concurrent MOVEs): ${extra}`);
  }, 120_000);
});

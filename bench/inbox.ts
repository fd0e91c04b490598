/**
 * `npm run bench:inbox [-- --n 2000]`: N replies to pending approval requests are put in the
 * approvals mailbox; the job processes them all (decide, publish, audit row, file) and queues
 * an answer to each approver, sent in the background (their completion is printed too).
 * Printed: the job's time against raw imapflow merely fetching the same messages (the limit),
 * replies/s, peak RSS, and the median reply-to-decision latency with IMAP IDLE and with
 * polling (`--latency 10` samples each). Then the same read through the local Microsoft Graph
 * (`--graph-n 500` replies; `--no-graph` skips it): the job against a bare Graph client
 * listing and downloading the same messages ($value, 4 connections), and the median latency
 * with the watch loop (a look every 3 s, the default). A benchmark, not a test: it never
 * fails on time.
 */
import { bootStrapi, type TestStrapi } from '../test/helpers/strapi';
import { appendRaw, connect } from '../test/helpers/mailbox';
import type { MailUser } from '../test/mailstack/types';
import { startRemoteMailStack, type RemoteMailStack as MailStack } from './mailstack-process';
import { configureMailbox, pendingRequests, replyTo } from '../test/helpers/approval-load';
import { rawGraphClient, type GraphTarget } from './graph-raw';
import { graphReadSection } from '../test/helpers/oauth2';

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = arg('n', 2000);
const LATENCY_SAMPLES = arg('latency', 10);
const GRAPH_N = arg('graph-n', 500);
const GRAPH = !args.includes('--no-graph');
// `--profile out.cpuprofile`: a CPU profile of the job alone (open it in Chrome DevTools).
const PROFILE = args.includes('--profile') ? args[args.indexOf('--profile') + 1] : undefined;
const ARTICLE = 'api::article.article';
// console.* is captured while Strapi runs (test/helpers/strapi.ts): write to the streams.
const out = (line: string) => process.stdout.write(`${line}\n`);
const progress = (line: string) => process.stderr.write(`[bench:inbox] ${line}\n`);

async function rawFetch(stack: MailStack, user: MailUser): Promise<number> {
  const client = await connect(stack, user);
  const t0 = process.hrtime.bigint();
  const lock = await client.getMailboxLock('INBOX');
  let count = 0;
  for await (const msg of client.fetch('1:*', { uid: true, source: true })) if (msg.source) count++;
  lock.release();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await client.logout();
  if (count !== N) throw new Error(`raw fetch saw ${count}/${N}`);
  return seconds;
}

/** The approvals mailbox through the local Graph, as its default app sees it. */
const graphTarget = (stack: MailStack): GraphTarget => ({
  host: stack.graph.host,
  caFile: stack.caFile,
  authorityHost: stack.idp.authorityHost,
  tenantId: stack.idp.client.tenantId,
  clientId: stack.idp.client.clientId,
  clientSecret: stack.idp.client.clientSecret,
  mailbox: stack.idp.client.mailbox,
});

/** The limit over Graph: list the inbox (pages of 50) and download every message's MIME. */
async function rawGraphFetch(stack: MailStack, n: number): Promise<number> {
  const client = await rawGraphClient(graphTarget(stack));
  const t0 = process.hrtime.bigint();
  let count = 0;
  for (let skip = 0; ; skip += 50) {
    const page = JSON.parse(
      (
        await client.request(
          'GET',
          `/mailFolders/inbox/messages?$select=id&$orderby=receivedDateTime%20asc&$top=50&$skip=${skip}`
        )
      ).toString('utf8')
    ) as { value: Array<{ id: string }> };
    const ids = page.value.map((m) => m.id);
    const lanes = Array.from({ length: 4 }, async () => {
      for (let id = ids.shift(); id; id = ids.shift()) {
        await client.request('GET', `/messages/${id}/$value`);
        count++;
      }
    });
    await Promise.all(lanes);
    if (page.value.length < 50) break;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  client.close();
  if (count !== n) throw new Error(`raw Graph fetch saw ${count}/${n}`);
  return seconds;
}

/** The IMAP section read through the local Graph by the stack's default app. */
async function configureGraph(app: TestStrapi, stack: MailStack, idle: boolean) {
  await app.strapi
    .plugin('mail-server')
    .service('settings')
    .save({ imap: { ...graphReadSection(stack, stack.idp.client), pollInterval: 3600, idle } });
}

/** Requests and their replies, put in the approvals mailbox 100 at a time. */
async function loadReplies(
  app: TestStrapi,
  stack: MailStack,
  approver: MailUser,
  mailbox: MailUser,
  n: number
) {
  const requests = await pendingRequests(app.strapi, approver.address, n);
  for (let i = 0; i < n; i += 100) {
    await Promise.all(
      requests
        .slice(i, i + 100)
        .map((r) =>
          appendRaw(stack, mailbox, replyTo(app.strapi, approver.address, mailbox.address, r.id))
        )
    );
  }
}

/** Runs the job until `n` replies are applied; its duration in seconds. */
async function runJob(app: TestStrapi, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  let applied = 0;
  while (applied < n) {
    const report = await app.strapi.plugin('mail-server').service('inbox').run();
    if (report.error) throw new Error(JSON.stringify(report.error));
    if (report.handled === 0) {
      const logs = app
        .logs()
        .split('\n')
        .filter((l) => l.includes('mail-server'))
        .slice(-5);
      throw new Error(`stalled at ${applied}/${n}: ${JSON.stringify(report)}\n${logs.join('\n')}`);
    }
    applied += report.applied;
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Heap still in use after a full collection (run with --expose-gc), MB; NaN without it. */
function retainedHeapMb(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

async function startProfile() {
  const { Session } = await import('node:inspector/promises');
  const { writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(file: string) {
      const { profile } = await session.post('Profiler.stop');
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
      progress(`CPU profile of the job written to ${file}`);
    },
  };
}

async function latency(
  app: TestStrapi,
  stack: MailStack,
  approver: MailUser,
  mailbox: MailUser
): Promise<number> {
  const requests = await pendingRequests(app.strapi, approver.address, LATENCY_SAMPLES);
  const samples: number[] = [];
  for (const [i, r] of requests.entries()) {
    const sent = Date.now();
    await appendRaw(stack, mailbox, replyTo(app.strapi, approver.address, mailbox.address, r.id));
    for (;;) {
      const row = await app.strapi.db
        .query('plugin::mail-server.approval')
        .findOne({ where: { id: r.id } });
      if (row.status !== 'pending') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    samples.push(Date.now() - sent);
    await new Promise((res) => setTimeout(res, 200 + Math.random() * 800));
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

async function main() {
  const stack = await startRemoteMailStack();
  const [approver, mailbox] = ['approver@', 'mailbox@'].map((p) =>
    stack.users.find((u) => u.address.startsWith(p))!
  ) as [MailUser, MailUser];
  let app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile });
  try {
    await configureMailbox(app.strapi, stack, mailbox);
    // One pass now so the scheduled job (poll: 1 h) stays away while replies are loaded.
    await app.strapi.plugin('mail-server').service('inbox').run();
    await loadReplies(app, stack, approver, mailbox, N);
    progress(`${N} requests and replies ready`);
    const rawSeconds = await rawFetch(stack, mailbox);
    progress(`raw fetch ${rawSeconds.toFixed(2)} s`);
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = retainedHeapMb();
    const profiler = PROFILE ? await startProfile() : undefined;
    const t0 = process.hrtime.bigint();
    const jobSeconds = await runJob(app, N);
    if (profiler) await profiler.stop(PROFILE!);
    // The answers to the approvers trail the decisions (they never hold a decision up).
    await app.strapi.plugin('mail-server').service('outbox').flush();
    const answerSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    clearInterval(sampler);
    await app.strapi.plugin('mail-server').service('outbound-messages').flush();
    const heapAfter = retainedHeapMb();
    const answered = await app.strapi.db
      .query('plugin::mail-server.outbound-message')
      .count({ where: { subject: { $startsWith: 'Re: ' }, status: 'sent' } });
    const published = await app.strapi.documents(ARTICLE).count({ status: 'published' } as never);
    progress(`job ${jobSeconds.toFixed(2)} s`);
    const pollMedian = await (async () => {
      await configureMailbox(app.strapi, stack, mailbox, stack.imap.tlsPort, { pollInterval: 10 });
      return latency(app, stack, approver, mailbox);
    })();
    progress(`polling latency median ${pollMedian} ms`);
    await app.stop();
    app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_IDLE: 'true' });
    await configureMailbox(app.strapi, stack, mailbox, stack.imap.tlsPort, { idle: true });
    const idleMedian = await latency(app, stack, approver, mailbox);
    // The same through Microsoft Graph: a job run on a backlog, then the watch loop's latency.
    let graphRows: string[] = [];
    if (GRAPH) {
      await app.stop();
      app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile });
      // SMTP for the answers, and one pass now so the scheduled job (poll: 1 h) stays away.
      await configureMailbox(app.strapi, stack, mailbox);
      await configureGraph(app, stack, false);
      await app.strapi.plugin('mail-server').service('inbox').run();
      await loadReplies(app, stack, approver, mailbox, GRAPH_N);
      const rawGraphSeconds = await rawGraphFetch(stack, GRAPH_N);
      progress(`raw Graph fetch ${rawGraphSeconds.toFixed(2)} s`);
      const graphJobSeconds = await runJob(app, GRAPH_N);
      progress(`job through Graph ${graphJobSeconds.toFixed(2)} s`);
      await app.strapi.plugin('mail-server').service('outbox').flush();
      await app.stop();
      app = await bootStrapi({ MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_IDLE: 'true' });
      await configureMailbox(app.strapi, stack, mailbox);
      await configureGraph(app, stack, true);
      const graphMedian = await latency(app, stack, approver, mailbox);
      progress(`Graph watch latency median ${graphMedian} ms`);
      graphRows = [
        `| Graph: bare client listing + downloading the ${GRAPH_N} messages ($value, 4 connections) | ${rawGraphSeconds.toFixed(2)} s |`,
        `| Graph: job, decide + publish + audit + move, all ${GRAPH_N} | ${graphJobSeconds.toFixed(2)} s |`,
        `| Graph: ratio job / bare fetch | ${(graphJobSeconds / rawGraphSeconds).toFixed(1)} |`,
        `| Graph: decisions/s | ${(GRAPH_N / graphJobSeconds).toFixed(0)} |`,
        `| Graph: median reply-to-decision latency, watching every 3 s (${LATENCY_SAMPLES} samples) | ${(graphMedian / 1000).toFixed(2)} s |`,
      ];
    }
    const db = process.env.DATABASE_CLIENT ?? 'sqlite';
    out(`\ninbox benchmark: ${N} replies, ${db}, node ${process.version}\n`);
    out('| measure | value |');
    out('| --- | ---: |');
    out(`| raw imapflow fetch of the ${N} messages (the limit) | ${rawSeconds.toFixed(2)} s |`);
    out(`| job: decide + publish + audit + file, all ${N} | ${jobSeconds.toFixed(2)} s |`);
    out(
      `| answers to the approvers: ${answered} sent, the last after | ${answerSeconds.toFixed(2)} s |`
    );
    out(`| ratio job / raw fetch | ${(jobSeconds / rawSeconds).toFixed(1)} |`);
    out(`| decisions/s | ${(N / jobSeconds).toFixed(0)} |`);
    out(`| entries published | ${published} |`);
    out(
      `| RSS before → peak during the job | ${(rssBefore / 2 ** 20).toFixed(0)} → ${(peak / 2 ** 20).toFixed(0)} MB |`
    );
    out(
      `| heap retained before → after the job (after a full GC) | ${heapBefore.toFixed(0)} → ${heapAfter.toFixed(0)} MB |`
    );
    out(
      `| median reply-to-decision latency, IDLE (${LATENCY_SAMPLES} samples) | ${(idleMedian / 1000).toFixed(2)} s |`
    );
    out(
      `| median reply-to-decision latency, polling every 10 s | ${(pollMedian / 1000).toFixed(2)} s |`
    );
    for (const row of graphRows) out(row);
  } finally {
    await app.stop();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * `npm run bench:send [-- --n 2000 --concurrency 16 --rounds 5]`: sends N messages to a local
 * SMTP sink through five clients, each in a child process of its own (clean memory figures):
 *   a  raw pooled nodemailer transport (the limit)
 *   b  @strapi/provider-email-nodemailer with its documented options (no pool)
 *   c  the same with `pool: true`
 *   d  this plugin, through Strapi's email service (settings from the database, delivery log)
 *   e  the raw pool of (a) inside a process running Strapi: what the process alone costs
 *   h  (d) on PostgreSQL (127.0.0.1:5432, a fresh schema)
 *   q  the outbox's own path on SQLite: N messages queued (as a server down leaves them), then
 *      drained by the outbox loop — claims, sends, and the rows' group-committed records
 *   r  (q) on PostgreSQL
 * and, against the local Microsoft Graph of the test stack (in a process of its own; it
 * delivers into Dovecot, so both rows pay the same delivery):
 *   f  raw Graph: the MIME composed and POSTed to sendMail over 4 keep-alive connections
 *   g  this plugin sending through Graph, through Strapi's email service
 * The plugin's rows also count the database statements that write, and the commits (each a
 * disk sync on SQLite), per message.
 * a, e, d, h, q and r run in turn for several rounds (the machine's slow moments hit all alike), then
 * f and g, and the median run of each is reported. Prints messages/s, client CPU per message,
 * p50/p99 latency and peak RSS, and the ratios d/a, d/b, d/c, e/a, d/e and g/f.
 * `--graph-n 500 --graph-rounds 3`; `--no-graph` leaves the Graph rows out.
 * A benchmark, not a test: it never fails on time.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { connect } from '../test/helpers/mailbox';
import { startRemoteMailStack, type RemoteMailStack } from './mailstack-process';

type Variant = 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'q' | 'r';
type Figures = {
  variant: Variant;
  n: number;
  seconds: number;
  /** CPU time of the client process per message (user + system), ms */
  cpuMs: number;
  p50: number;
  p99: number;
  rssMb: number;
  connections?: number;
  writesPerMsg?: number;
  commitsPerMsg?: number;
  /** a backlog drained: no per-send latency */
  drain?: boolean;
};

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = arg('n', 2000);
const CONCURRENCY = arg('concurrency', 16);
const MAX_CONNECTIONS = 5;
const ROUNDS = arg('rounds', 5);
const GRAPH_N = arg('graph-n', 500);
const GRAPH_ROUNDS = arg('graph-rounds', 3);
const GRAPH = !args.includes('--no-graph');
const LABELS: Record<Variant, string> = {
  a: 'raw nodemailer, pooled',
  b: '@strapi/provider-email-nodemailer (default)',
  c: '@strapi/provider-email-nodemailer, pool: true',
  d: 'mail-server plugin via Strapi email service',
  e: 'raw nodemailer, pooled, in a process running Strapi (no plugin)',
  f: 'raw Microsoft Graph sendMail (MIME), 4 connections',
  g: 'mail-server plugin via Strapi email service, through Microsoft Graph',
  h: 'mail-server plugin via Strapi email service, on PostgreSQL',
  q: 'mail-server outbox draining a backlog, SQLite',
  r: 'mail-server outbox draining a backlog, PostgreSQL',
};
/** The variants on PostgreSQL. */
const POSTGRES: Variant[] = ['h', 'r'];

async function startSink() {
  let received = 0;
  let connections = 0;
  const server = new SMTPServer({
    onConnect(_session, done) {
      connections++;
      done();
    },
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    maxClients: 1000,
    onData(stream, _session, done) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received++;
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    received: () => received,
    connections: () => connections,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function runChild(variant: Variant, port: number, n = N, env: object = {}): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean),
        '--import',
        'tsx',
        path.join(__dirname, 'send-client.ts'),
        variant,
        String(port),
        String(n),
        String(CONCURRENCY),
        String(MAX_CONNECTIONS),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true', ...env },
      }
    );
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('exit', (code) => {
      const line = out
        .trim()
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{"variant"'));
      if (code !== 0 || !line)
        return reject(new Error(`variant ${variant} failed (exit ${code}): ${out.slice(-500)}`));
      resolve(JSON.parse(line));
    });
  });
}

/** Runs one variant against the sink and checks that every message arrived. */
async function measure(sink: Awaited<ReturnType<typeof startSink>>, variant: Variant) {
  const before = sink.received();
  const connectionsBefore = sink.connections();
  const figures = await runChild(
    variant,
    sink.port,
    N,
    POSTGRES.includes(variant) ? { DATABASE_CLIENT: 'postgres' } : {}
  );
  figures.connections = sink.connections() - connectionsBefore;
  if (sink.received() - before !== N + 1)
    throw new Error(
      `variant ${variant}: sink got ${sink.received() - before}/${N + 1} (incl. warm-up)`
    );
  return figures;
}

/** Messages in the Graph rows' recipient mailbox (Dovecot), to check every one arrived. */
async function delivered(stack: RemoteMailStack, to: string): Promise<number> {
  const client = await connect(
    stack,
    stack.users.find((u) => u.address === to)!
  );
  try {
    const status = await client.status('INBOX', { messages: true });
    return status ? (status.messages ?? 0) : 0;
  } finally {
    await client.logout();
  }
}

/** Runs a Graph variant against the local Graph and checks that every message arrived. */
async function measureGraph(stack: RemoteMailStack, variant: 'f' | 'g') {
  const client = stack.idp.client;
  const to = stack.users.find((u) => u.address !== client.mailbox)!.address;
  const target = {
    host: stack.graph.host,
    caFile: stack.caFile,
    authorityHost: stack.idp.authorityHost,
    tenantId: client.tenantId,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    mailbox: client.mailbox,
    to,
  };
  const before = await delivered(stack, to);
  const figures = await runChild(variant, 0, GRAPH_N, { BENCH_GRAPH: JSON.stringify(target) });
  // Delivery into Dovecot is asynchronous to Graph's 202: wait a moment for the last ones.
  let got = 0;
  for (let i = 0; i < 50 && got < GRAPH_N + 1; i++) {
    got = (await delivered(stack, to)) - before;
    if (got < GRAPH_N + 1) await new Promise((r) => setTimeout(r, 100));
  }
  if (got !== GRAPH_N + 1)
    throw new Error(`variant ${variant}: ${got}/${GRAPH_N + 1} delivered (incl. warm-up)`);
  return figures;
}

const rate = (f: Figures) => f.n / f.seconds;
/** The run with the median throughput (its latencies and memory go in the table). */
const medianRun = (runs: Figures[]) =>
  [...runs].sort((x, y) => rate(x) - rate(y))[(runs.length - 1) >> 1]!;

async function main() {
  const sink = await startSink();
  const runs: Record<Variant, Figures[]> = {
    a: [],
    b: [],
    c: [],
    d: [],
    e: [],
    f: [],
    g: [],
    h: [],
    q: [],
    r: [],
  };
  try {
    // Strapi's provider is far from any target: once each.
    for (const variant of ['b', 'c'] as const) runs[variant].push(await measure(sink, variant));
    // The limit, Strapi's process and ours in turn, so a slow moment hits them alike.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const variant of ['a', 'e', 'd', 'h', 'q', 'r'] as const)
        runs[variant].push(await measure(sink, variant));
      const last = (v: Variant) => rate(runs[v].at(-1)!).toFixed(0);
      process.stderr.write(
        `[bench:send] round ${round}/${ROUNDS}: a ${last('a')}, e ${last('e')}, d ${last('d')}, h ${last('h')}, q ${last('q')}, r ${last('r')} msg/s\n`
      );
    }
  } finally {
    await sink.close();
  }
  if (GRAPH) {
    const stack = await startRemoteMailStack();
    try {
      for (let round = 1; round <= GRAPH_ROUNDS; round++) {
        for (const variant of ['f', 'g'] as const)
          runs[variant].push(await measureGraph(stack, variant));
        const [f, g] = [runs.f.at(-1)!, runs.g.at(-1)!];
        process.stderr.write(
          `[bench:send] Graph round ${round}/${GRAPH_ROUNDS}: f ${rate(f).toFixed(0)} msg/s, g ${rate(g).toFixed(0)} msg/s\n`
        );
      }
    } finally {
      await stack.stop();
    }
  }
  console.log(
    `\nsend benchmark: ${N} messages, concurrency ${CONCURRENCY}, pools of ${MAX_CONNECTIONS} connections, ${ROUNDS} alternating rounds of a and d (medians), node ${process.version}\n`
  );
  console.log(
    '| client | msg/s | client CPU ms/msg | p50 ms | p99 ms | peak RSS MB | SMTP connections | DB writes/msg | commits/msg |'
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const median = {} as Record<Variant, Figures>;
  const smtpRows = ['a', 'b', 'c', 'd', 'e', 'h', 'q', 'r'] as const;
  const shown: readonly Variant[] = GRAPH ? [...smtpRows, 'f', 'g'] : smtpRows;
  for (const variant of shown) {
    const f = (median[variant] = medianRun(runs[variant]));
    console.log(
      `| (${f.variant}) ${LABELS[f.variant]} | ${rate(f).toFixed(0)} | ${f.cpuMs.toFixed(2)} | ${f.drain ? '–' : f.p50.toFixed(1)} | ${f.drain ? '–' : f.p99.toFixed(1)} | ${f.rssMb.toFixed(0)} | ${f.connections ?? '– (HTTPS)'} | ${f.writesPerMsg?.toFixed(3) ?? '–'} | ${f.commitsPerMsg?.toFixed(3) ?? '–'} |`
    );
  }
  const by = (v: Variant) => rate(median[v]);
  const paired = runs.d.map((d, i) => (rate(d) / rate(runs.a[i]!)).toFixed(2)).join(', ');
  console.log(
    `\nratios (median throughput): d/a = ${(by('d') / by('a')).toFixed(2)}, d/b = ${(by('d') / by('b')).toFixed(2)}, d/c = ${(by('d') / by('c')).toFixed(2)}`
  );
  console.log(`d/a round by round: ${paired}`);
  const pairedPg = runs.h.map((h, i) => (rate(h) / rate(runs.a[i]!)).toFixed(2)).join(', ');
  console.log(
    `on PostgreSQL: h/a = ${(by('h') / by('a')).toFixed(2)} (rounds ${pairedPg}); a backlog drained by the outbox: q/a = ${(by('q') / by('a')).toFixed(2)} (SQLite), r/a = ${(by('r') / by('a')).toFixed(2)} (PostgreSQL)`
  );
  console.log(
    `the Strapi process alone: e/a = ${(by('e') / by('a')).toFixed(2)}; the plugin's own path: d/e = ${(by('d') / by('e')).toFixed(2)}`
  );
  if (GRAPH) {
    const pairedGraph = runs.g.map((g, i) => (rate(g) / rate(runs.f[i]!)).toFixed(2)).join(', ');
    console.log(
      `Graph (${GRAPH_N} messages, ${GRAPH_ROUNDS} rounds): g/f = ${(by('g') / by('f')).toFixed(2)}, round by round ${pairedGraph}`
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

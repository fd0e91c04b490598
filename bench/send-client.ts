/** One client of bench/send.ts, in its own process: sends N messages, prints its figures. */
import nodemailer from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { bootStrapi } from '../test/helpers/strapi';
import { queueBacklog } from '../test/helpers/backlog';
import { rawGraphClient, type GraphTarget } from './graph-raw';

const [variant, portText, nText, concurrencyText, maxConnText] = process.argv.slice(2);
const port = Number(portText);
const N = Number(nText);
const CONCURRENCY = Number(concurrencyText);
const MAX_CONNECTIONS = Number(maxConnText);

type Send = (i: number) => Promise<unknown>;
type Client = {
  send: Send;
  close: () => Promise<void>;
  /** database statements that write (INSERT/UPDATE/DELETE), counted from the timed start */
  writes?: () => number;
  commits?: () => number;
  /** a backlog: queued before the clock starts, drained by the outbox while it runs */
  drain?: { queue: (n: number) => Promise<void>; run: () => Promise<void> };
};

/**
 * Counts what Strapi's knex sends (its 'query' event sees every statement): the writing ones
 * (INSERT/UPDATE/DELETE), and the commits — a transaction's COMMIT, or a write outside any —
 * each of which is a disk sync on SQLite.
 */
function countWrites(strapi: { db: { connection: { on: Function } } }) {
  let writes = 0;
  let commits = 0;
  let counting = false;
  // Which connections are inside a transaction (BEGIN … COMMIT/ROLLBACK seen on them).
  const open = new Set<string>();
  strapi.db.connection.on('query', (q: { sql?: string; __knexUid?: string }) => {
    const sql = q.sql ?? '';
    const uid = q.__knexUid ?? '';
    if (/^\s*begin\b/i.test(sql)) open.add(uid);
    const ends = /^\s*(commit|rollback)\b/i.test(sql);
    if (ends) open.delete(uid);
    if (!counting) return;
    const write = /^\s*(insert|update|delete)\b/i.test(sql);
    if (write) writes++;
    if (/^\s*commit\b/i.test(sql) || (write && !open.has(uid))) commits++;
  });
  return {
    start: () => ((counting = true), (writes = 0), (commits = 0)),
    writes: () => writes,
    commits: () => commits,
  };
}

const message = (i: number) => ({
  from: 'bench@example.test',
  to: 'sink@example.test',
  subject: `Benchmark message ${i}`,
  text: `Hello ${i}\n`.repeat(20),
  html: `<p>Hello ${i}</p>`.repeat(20),
});

/** The local Graph and its app, and the recipient (bench/send.ts passes them). */
const graph = (): GraphTarget & { to: string } => JSON.parse(process.env.BENCH_GRAPH ?? '{}');

/**
 * The limit for Graph: what any client must do — compose the MIME, POST it base64 to sendMail
 * over four keep-alive connections (Graph's concurrency per mailbox) with one app-only token.
 */
async function rawGraph(): Promise<{ send: Send; close: () => Promise<void> }> {
  const g = graph();
  const client = await rawGraphClient(g);
  const send = async (i: number) => {
    const raw = await new MailComposer({ ...message(i), from: g.mailbox, to: g.to })
      .compile()
      .build();
    await client.request('POST', '/sendMail', raw.toString('base64'), 'text/plain');
  };
  return { send, close: async () => client.close() };
}

async function setup(): Promise<Client & { startCounting?: () => void }> {
  if (variant === 'f') return rawGraph();
  if (variant === 'g') {
    // The plugin sending through the local Graph, settings saved as an admin would.
    const g = graph();
    const app = await bootStrapi({ MAIL_SERVER_CA_FILE: g.caFile });
    const [host, port] = g.host.split(':');
    await app.strapi
      .plugin('mail-server')
      .service('settings')
      .save({
        smtp: {
          transport: 'graph',
          host,
          port: Number(port),
          username: g.mailbox,
          fromAddress: g.mailbox,
          oauth2: {
            enabled: true,
            grant: 'client_credentials',
            tenantId: g.tenantId,
            clientId: g.clientId,
            clientSecret: g.clientSecret,
            authorityHost: g.authorityHost,
          },
        },
      });
    const email = app.strapi.plugin('email').service('email');
    return {
      send: (i) => email.send({ ...message(i), from: g.mailbox, to: g.to }),
      close: () => app.stop(),
    };
  }
  const rawPool = () => {
    const t = nodemailer.createTransport({
      pool: true,
      host: '127.0.0.1',
      port,
      maxConnections: MAX_CONNECTIONS,
      ignoreTLS: true,
    });
    return { send: (i: number) => t.sendMail(message(i)), close: async () => t.close() };
  };
  if (variant === 'a') return rawPool();
  if (variant === 'b' || variant === 'c') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const provider = require('@strapi/provider-email-nodemailer');
    const options = {
      host: '127.0.0.1',
      port,
      ignoreTLS: true,
      ...(variant === 'c' ? { pool: true, maxConnections: MAX_CONNECTIONS } : {}),
    };
    const p = provider.init(options, { defaultFrom: 'bench@example.test' });
    return { send: (i) => p.send(message(i)), close: async () => undefined };
  }
  const app = await bootStrapi({});
  if (variant === 'e') {
    // The same raw pool as (a), in a process that runs Strapi: what the process itself costs.
    const raw = rawPool();
    return { send: raw.send, close: async () => (await raw.close(), await app.stop()) };
  }
  await app.strapi
    .plugin('mail-server')
    .service('settings')
    .save({
      smtp: {
        host: '127.0.0.1',
        port,
        security: 'none',
        username: '',
        fromName: '',
        fromAddress: 'bench@example.test',
        replyTo: '',
        oauth2: {
          enabled: false,
          grant: 'client_credentials',
          tenantId: '',
          clientId: '',
          authorityHost: 'login.microsoftonline.com',
          scopes: [],
        },
      },
    });
  const email = app.strapi.plugin('email').service('email');
  const counter = countWrites(app.strapi as never);
  const client: Client & { startCounting?: () => void } = {
    send: (i) => email.send(message(i)),
    close: () => app.stop(),
    writes: counter.writes,
    commits: counter.commits,
    startCounting: counter.start,
  };
  if (variant === 'q' || variant === 'r') {
    // The outbox's own path: a backlog of N composed messages (queued in one transaction, as
    // a server down would leave them), drained by the loop as fast as it claims and sends.
    const plugin = app.strapi.plugin('mail-server');
    await plugin.service('outbox').stop();
    client.drain = {
      async queue(n: number) {
        await queueBacklog(app.strapi, n, message);
      },
      async run() {
        plugin.service('outbox').start();
        const OUTBOUND = 'plugin::mail-server.outbound-message';
        for (;;) {
          const left = await app.strapi.db
            .query(OUTBOUND)
            .count({ where: { status: { $in: ['queued', 'sending'] } } });
          if (left === 0) return;
          await new Promise((r) => setTimeout(r, 20));
        }
      },
    };
  }
  return client;
}

async function main() {
  const { send, close, writes, commits, startCounting, drain } = await setup();
  await send(-1); // warm up: first connection, settings cache
  if (drain) await drain.queue(N);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const latencies: number[] = [];
  let next = 0;
  startCounting?.();
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  if (drain) await drain.run();
  else {
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < N) {
          const i = next++;
          const t0 = process.hrtime.bigint();
          await send(i);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        }
      })
    );
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000 / N;
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  latencies.sort((x, y) => x - y);
  const pct = (p: number) =>
    latencies.length === 0
      ? 0
      : latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  // The delivery log is written behind the sends: its last batch belongs to this run.
  if (writes) {
    const { default: strapi } = { default: (globalThis as { strapi?: any }).strapi };
    await strapi?.plugin('mail-server').service('outbound-messages').flush();
  }
  const writesPerMsg = writes ? writes() / N : undefined;
  const commitsPerMsg = commits ? commits() / N : undefined;
  await close();
  process.stdout.write(
    `${JSON.stringify({ variant, n: N, seconds, cpuMs, p50: pct(0.5), p99: pct(0.99), rssMb: peakRss / 2 ** 20, writesPerMsg, commitsPerMsg, drain: !!drain })}\n`
  );
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * `npm run bench:send [-- --n 2000 --concurrency 16]`: sends N messages to a local SMTP sink
 * through four clients, each in a child process of its own (clean memory figures):
 *   a  raw pooled nodemailer transport (the limit)
 *   b  @strapi/provider-email-nodemailer with its documented options (no pool)
 *   c  the same with `pool: true`
 *   d  this plugin, through Strapi's email service (settings from the database, delivery log)
 * Prints messages/s, p50/p99 latency and peak RSS, and the ratios d/a, d/b, d/c.
 * A benchmark, not a test: it never fails on time.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';

type Variant = 'a' | 'b' | 'c' | 'd';
type Figures = {
  variant: Variant;
  n: number;
  seconds: number;
  p50: number;
  p99: number;
  rssMb: number;
  connections?: number;
};

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const N = arg('n', 2000);
const CONCURRENCY = arg('concurrency', 16);
const MAX_CONNECTIONS = 5;
const LABELS: Record<Variant, string> = {
  a: 'raw nodemailer, pooled',
  b: '@strapi/provider-email-nodemailer (default)',
  c: '@strapi/provider-email-nodemailer, pool: true',
  d: 'mail-server plugin via Strapi email service',
};

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

function runChild(variant: Variant, port: number): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(import.meta.dirname, 'send-client.ts'),
        variant,
        String(port),
        String(N),
        String(CONCURRENCY),
        String(MAX_CONNECTIONS),
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true' },
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

async function main() {
  const sink = await startSink();
  const results: Figures[] = [];
  try {
    for (const variant of ['a', 'b', 'c', 'd'] as Variant[]) {
      const before = sink.received();
      const connectionsBefore = sink.connections();
      const figures = await runChild(variant, sink.port);
      figures.connections = sink.connections() - connectionsBefore;
      if (sink.received() - before !== N + 1)
        throw new Error(
          `variant ${variant}: sink got ${sink.received() - before}/${N + 1} (incl. warm-up)`
        );
      results.push(figures);
    }
  } finally {
    await sink.close();
  }
  const rate = (f: Figures) => f.n / f.seconds;
  console.log(
    `\nsend benchmark: ${N} messages, concurrency ${CONCURRENCY}, pools of ${MAX_CONNECTIONS} connections, node ${process.version}\n`
  );
  console.log('| client | msg/s | p50 ms | p99 ms | peak RSS MB | SMTP connections |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const f of results) {
    console.log(
      `| (${f.variant}) ${LABELS[f.variant]} | ${rate(f).toFixed(0)} | ${f.p50.toFixed(1)} | ${f.p99.toFixed(1)} | ${f.rssMb.toFixed(0)} | ${f.connections} |`
    );
  }
  const by = Object.fromEntries(results.map((f) => [f.variant, rate(f)])) as Record<
    Variant,
    number
  >;
  console.log(
    `\nratios (throughput): d/a = ${(by.d / by.a).toFixed(2)}, d/b = ${(by.d / by.b).toFixed(2)}, d/c = ${(by.d / by.c).toFixed(2)}`
  );
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/**
 * Child process for test/api/approvals-robustness.test.ts (spawned by spawnRunner in
 * approval-load.ts): boots the test app on DATABASE_SCHEMA of DATABASE_CLIENT (a PostgreSQL
 * schema or a MySQL/MariaDB database, tables already created by the parent), reports `ready`
 * over IPC, waits for `go`, then calls the inbox job (service('inbox').run()) until the INBOX
 * is empty or RUNNER_DEADLINE_MS passes, and sends a summary of its runs. Its own cron tick is
 * removed so only these runs work.
 */
import './no-internet';
import fs from 'node:fs';
import { ImapFlow } from 'imapflow';
import { compileStrapi, createStrapi } from '@strapi/strapi';
import { APP_DIR } from './strapi';
import type { RunnerSummary } from './approval-load';

const send = (m: unknown) => process.send?.(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function inboxCount(): Promise<number> {
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: Number(process.env.RUNNER_IMAP_PORT),
    secure: true,
    tls: { ca: [fs.readFileSync(process.env.RUNNER_CA_PEM_FILE!, 'utf8')] },
    auth: { user: process.env.RUNNER_IMAP_USER!, pass: process.env.RUNNER_IMAP_PASS! },
    logger: false,
  });
  await c.connect();
  try {
    const status = await c.status('INBOX', { messages: true });
    return status ? (status.messages ?? 0) : 0;
  } finally {
    await c.logout();
  }
}

async function main() {
  const ctx = await compileStrapi({ appDir: APP_DIR, ignoreDiagnostics: true });
  const strapi = createStrapi({ ...ctx, autoReload: false, serveAdminPanel: false });
  await strapi.load();
  strapi.cron.remove('mail-server-inbox');
  const summary: RunnerSummary = {
    name: process.env.RUNNER_NAME ?? 'runner',
    pid: process.pid,
    runs: 0,
    skippedLease: 0,
    errors: [],
    handled: 0,
    applied: 0,
    quarantined: 0,
    ignored: 0,
    failed: 0,
    refiled: 0,
    finished: false,
  };
  const go = new Promise<void>((resolve) =>
    process.on('message', (m: { type: string }) => m.type === 'go' && resolve())
  );
  send({ type: 'ready' });
  await go;
  const deadline = Date.now() + Number(process.env.RUNNER_DEADLINE_MS ?? 60_000);
  const inbox = strapi.plugin('mail-server').service('inbox');
  while (Date.now() < deadline) {
    const r = await inbox.run();
    summary.runs++;
    for (const k of ['handled', 'applied', 'quarantined', 'ignored', 'failed', 'refiled'] as const)
      summary[k] += r[k];
    if (r.skipped === 'lease') summary.skippedLease++;
    if (r.error) summary.errors.push(`${r.error.code}: ${r.error.message}`);
    send({ type: 'run', report: r });
    if ((await inboxCount()) === 0) {
      summary.finished = true;
      break;
    }
    if (r.skipped || r.error) await sleep(50);
  }
  await new Promise<void>((resolve) => process.send!({ type: 'done', summary }, () => resolve()));
  await strapi.destroy().catch(() => undefined);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`inbox-runner: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

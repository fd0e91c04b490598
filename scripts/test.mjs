#!/usr/bin/env node
// Runs the jest projects (jest.config.js): `unit` files in parallel, then `integration`, `api`
// and `e2e` one file at a time — each of their files boots a real Strapi (~500 MB) or mail
// stack. Prints the count per folder and a closing "N passed, N failed" line.
//   node scripts/test.mjs              every project
//   node scripts/test.mjs api e2e      only these projects (folders under test/)
//   node scripts/test.mjs api -- -t publish    more jest options after --
//   node scripts/test.mjs db           the API suites that lean on the database (npm run
//                                      test:db / test:mariadb run them on PostgreSQL / MariaDB)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const PARALLEL = ['unit'];
const SERIAL = ['integration', 'api', 'e2e'];
// The outbox (claims, two instances, SIGKILL, limits), the inbox job end to end, its batches
// and their transaction, the lease (two instances, a crash, IDLE), the request email and its
// reminder (once across instances: a conditional update), the approvals list with its entries'
// titles and audit trail, the provider's delivery log and the settings store: what differs
// between SQLite, PostgreSQL and MySQL/MariaDB.
const DB_SUITES = [
  'outbox-faults',
  'outbox-admin',
  'approvals-robustness',
  'approvals',
  'approvals-batch',
  'approvals-idle',
  'approvals-mailto',
  'approvals-audit',
  'provider',
  'settings',
].map((name) => `test/api/${name}.test.ts`);
const argv = process.argv.slice(2);
const dash = argv.indexOf('--');
const asked = dash < 0 ? argv : argv.slice(0, dash);
const db = asked.includes('db');
const picked = asked.map((p) => (p === 'db' ? 'api' : p));
const extra = [...(db ? DB_SUITES : []), ...(dash < 0 ? [] : argv.slice(dash + 1))];
const wanted = picked.length ? picked : [...PARALLEL, ...SERIAL];
const unknown = wanted.filter((p) => ![...PARALLEL, ...SERIAL].includes(p));
if (unknown.length) {
  console.error(`unknown test folder(s): ${unknown.join(', ')} (use ${[...PARALLEL, ...SERIAL]})`);
  process.exit(2);
}

const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const env = { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true', NODE_ENV: 'test' };
const totals = { passed: 0, failed: 0, skipped: 0 };
const perFolder = [];
let status = 0;

for (const [projects, serial] of [
  [wanted.filter((p) => PARALLEL.includes(p)), false],
  [wanted.filter((p) => SERIAL.includes(p)), true],
]) {
  if (projects.length === 0) continue;
  const report = path.join(os.tmpdir(), `mail-server-jest-${process.pid}-${serial}.json`);
  const result = spawnSync(
    process.execPath,
    [
      jest,
      '--selectProjects',
      ...projects,
      // Strapi leaves timers and sockets of its own behind after destroy(): the serial
      // projects end the process once every file has finished, as node --test-force-exit did.
      ...(serial ? ['--runInBand', '--forceExit'] : ['--maxWorkers=2']),
      '--json',
      `--outputFile=${report}`,
      ...extra,
    ],
    { cwd: root, stdio: 'inherit', env }
  );
  if (result.status !== 0) status = result.status ?? 1;
  if (!fs.existsSync(report)) continue;
  const { testResults } = JSON.parse(fs.readFileSync(report, 'utf8'));
  fs.rmSync(report);
  for (const project of projects) {
    const count = { project, passed: 0, failed: 0, skipped: 0 };
    for (const file of testResults) {
      if (!file.name.startsWith(path.join(root, 'test', project) + path.sep)) continue;
      for (const t of file.assertionResults) {
        if (t.status === 'passed') count.passed++;
        else if (t.status === 'failed') count.failed++;
        else count.skipped++;
      }
      if (file.status === 'failed' && file.assertionResults.length === 0) count.failed++;
    }
    perFolder.push(count);
    totals.passed += count.passed;
    totals.failed += count.failed;
    totals.skipped += count.skipped;
  }
}

for (const c of perFolder)
  console.log(`test/${c.project}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
console.log(`jest: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (totals.passed === 0 && status === 0) status = 1; // a run that tested nothing is not green
process.exit(status);

#!/usr/bin/env node
// Runs the test suites with node's built-in runner (TypeScript through tsx), one file at a
// time: each API file boots a real Strapi (~500 MB), and all of them share loopback ports.
//   node scripts/test.mjs            every suite
//   node scripts/test.mjs api e2e    only these folders under test/
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const ALL = ['unit', 'integration', 'api', 'e2e'];
const folders = process.argv.slice(2).length ? process.argv.slice(2) : ALL;

const files = folders.flatMap((folder) => {
  const dir = path.join(root, 'test', folder);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join('test', folder, f));
});
if (files.length === 0) {
  console.error(`no test files under test/{${folders.join(',')}}`);
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-force-exit',
    '--test-reporter=spec',
    ...files,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, STRAPI_TELEMETRY_DISABLED: 'true', NODE_ENV: 'test' },
  }
);
process.exit(result.status ?? 1);

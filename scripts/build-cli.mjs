#!/usr/bin/env node
// Bundles the CLI (server/src/mail/reply/cli.ts) into dist/cli/strapi-mail-server.js, which
// bin/strapi-mail-server.js loads, and the SMTP pool's worker thread
// (server/src/mail/smtp/worker.ts) into dist/server/smtp-worker.js and the reply analyser's
// (server/src/mail/reply/worker.ts) into dist/server/reply-worker.js, beside the server bundle
// that starts them. `strapi-plugin build` only bundles the server and admin entries, so this
// runs after it. Declared dependencies stay external (installed with the
// package); anything else the CLI imports is bundled in.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

const bundle = (entry, outfile) =>
  build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: Object.keys(pkg.dependencies ?? {}),
    sourcemap: true,
    logLevel: 'warning',
  });

await bundle('server/src/mail/reply/cli.ts', 'dist/cli/strapi-mail-server.js');
await bundle('server/src/mail/smtp/worker.ts', 'dist/server/smtp-worker.js');
await bundle('server/src/mail/reply/worker.ts', 'dist/server/reply-worker.js');

#!/usr/bin/env node
// Bundles the CLI (server/src/mail/reply/cli.ts) into dist/cli/strapi-mail-server.js, which
// bin/strapi-mail-server.js loads. `strapi-plugin build` only bundles the server and admin
// entries, so this runs after it. Declared dependencies stay external (installed with the
// package); anything else the CLI imports is bundled in.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

await build({
  absWorkingDir: root,
  entryPoints: ['server/src/mail/reply/cli.ts'],
  outfile: 'dist/cli/strapi-mail-server.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: Object.keys(pkg.dependencies ?? {}),
  sourcemap: true,
  logLevel: 'warning',
});

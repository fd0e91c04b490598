#!/usr/bin/env node
'use strict';
/**
 * Entry of `npx strapi-mail-server <command>`. The published package runs the bundle that
 * scripts/build-cli.mjs writes to dist/cli; a checkout without that bundle (or with
 * STRAPI_MAIL_SERVER_CLI_SOURCE=1, which the tests set so that they exercise the current
 * source) runs the TypeScript source through tsx, a dev dependency.
 */
const fs = require('node:fs');
const path = require('node:path');

const bundle = path.join(__dirname, '..', 'dist', 'cli', 'strapi-mail-server.js');
const source = path.join(__dirname, '..', 'server', 'src', 'mail', 'reply', 'cli.ts');

function loadCli() {
  if (!process.env.STRAPI_MAIL_SERVER_CLI_SOURCE && fs.existsSync(bundle)) return require(bundle);
  try {
    require('tsx/cjs');
  } catch {
    process.stderr.write('strapi-mail-server: the CLI is not built; run `npm run build`\n');
    process.exit(2);
  }
  return require(source);
}

loadCli()
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`strapi-mail-server: ${err && err.stack ? err.stack : err}\n`);
      process.exitCode = 1;
    }
  );

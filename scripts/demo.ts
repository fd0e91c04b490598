/**
 * `npm run demo`: the plugin in a real Strapi app on SQLite at http://127.0.0.1:1337/admin,
 * next to the local mail stack the tests use (Dovecot + SMTP on loopback), so that
 * Settings → Mail Server can be filled in and tested without a real mail server.
 * Stops everything on Ctrl+C.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startMailStack } from '../test/mailstack';

const root = path.resolve(__dirname, '..');
const appDir = path.join(root, 'test', 'app');
const strapiBin = path.join(root, 'node_modules', '.bin', 'strapi');
const env = {
  ...process.env,
  STRAPI_TELEMETRY_DISABLED: 'true',
  DATABASE_FILENAME: process.env.DATABASE_FILENAME ?? '.tmp/demo.db',
  MAIL_SERVER_IDLE: 'true',
  HOST: process.env.HOST ?? '127.0.0.1',
  PORT: process.env.PORT ?? '1337',
};

function run(cmd: string, args: string[], cwd: string) {
  const result = spawnSync(cmd, args, { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

async function main() {
  if (!fs.existsSync(path.join(root, 'dist', 'server', 'index.js')))
    run('npm', ['run', 'build'], root);
  // The admin panel bundles the plugin's admin part, so it is rebuilt after the plugin.
  run(process.execPath, [path.join(root, 'test', 'e2e', 'build-admin.cjs'), appDir], root);

  const stack = await startMailStack();

  const strapi = spawn(strapiBin, ['start'], {
    cwd: appDir,
    env: { ...env, MAIL_SERVER_CA_FILE: stack.caFile },
    stdio: 'inherit',
  });
  const lines = [
    `Strapi admin:   http://${env.HOST}:${env.PORT}/admin  (create the first admin there)`,
    `Settings → Mail Server, with this local mail stack (its CA is trusted by the demo app):`,
    `  SMTP  127.0.0.1:${stack.smtp.port} STARTTLS, or :${stack.smtp.tlsPort} SSL/TLS`,
    `  IMAP  127.0.0.1:${stack.imap.tlsPort} SSL/TLS, or :${stack.imap.port} STARTTLS`,
    ...stack.users.map((u) => `  user  ${u.address}  password ${u.password}`),
    `OAuth2 identity platform: ${stack.idp.url} tenant ${stack.idp.client.tenantId}`,
    `  client ${stack.idp.client.clientId}  secret ${stack.idp.client.clientSecret}`,
  ];
  console.log(`\n${lines.join('\n')}\n`);

  const stop = async () => {
    strapi.kill('SIGTERM');
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  strapi.on('exit', async (code) => {
    await stack.stop();
    process.exit(code ?? 0);
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

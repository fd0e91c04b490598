/**
 * `npm run demo`: the plugin in a real Strapi app on SQLite at http://127.0.0.1:1337/admin,
 * next to the local mail stack the tests use (Dovecot + SMTP on loopback, a local Microsoft
 * identity platform), so that Settings → Mail Server and approvals by reply can be tried
 * without a real mail server. Stops everything on Ctrl+C.
 *
 * The stack keeps its ports, accounts and app registration in test/app/.tmp/demo-stack.json,
 * so settings saved in one run still work in the next. On the first run the app's settings
 * are pre-filled for the stack (not locked) and an example article is created.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { settingsInputSchema } from '../shared/contracts/settings';
import { ensureAdminBuild } from '../test/helpers/browser';
import {
  startMailStack,
  type MailStack,
  type MailStackIdentity,
  type MailUser,
} from '../test/mailstack';

const root = path.resolve(__dirname, '..');
const appDir = path.join(root, 'test', 'app');
const stateDir = path.join(appDir, '.tmp');
const STATE_FILE = path.join(stateDir, 'demo-stack.json');
const SEED_FILE = path.join(stateDir, 'demo-seed.json');
const strapiBin = path.join(root, 'node_modules', '.bin', 'strapi');
const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = process.env.PORT ?? '1337';
const env = {
  ...process.env,
  STRAPI_TELEMETRY_DISABLED: 'true',
  DATABASE_FILENAME: process.env.DATABASE_FILENAME ?? '.tmp/demo.db',
  MAIL_SERVER_IDLE: 'true',
  HOST,
  PORT,
  // Links in the approval emails point here (Strapi's server.url).
  PUBLIC_URL: process.env.PUBLIC_URL ?? `http://${HOST}:${PORT}`,
};

type DemoState = { identity: MailStackIdentity; users: MailUser[] };

function run(cmd: string, args: string[], cwd: string) {
  const result = spawnSync(cmd, args, { cwd, env, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The stack of the previous run (same ports, passwords, tenant), or a new one saved for next time. */
async function startStack(): Promise<MailStack> {
  fs.mkdirSync(stateDir, { recursive: true });
  if (fs.existsSync(STATE_FILE)) {
    const state = JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as DemoState;
    try {
      return await startMailStack({ reuse: state.identity, users: state.users });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      console.error(
        `A port of the demo's mail stack is taken (${(err as Error).message}): stop the other ` +
          `demo, or delete ${path.relative(root, STATE_FILE)} to start over on new ports.`
      );
      process.exit(1);
    }
  }
  const stack = await startMailStack();
  const state: DemoState = { identity: await stack.identity(), users: stack.users };
  fs.writeFileSync(STATE_FILE, JSON.stringify(state, null, 2), { mode: 0o600 });
  return stack;
}

/** Settings → Mail Server for the local stack, applied by the demo app when it has none. */
function writeSeed(stack: MailStack, mailbox: MailUser) {
  const account = { host: '127.0.0.1', username: mailbox.address, password: mailbox.password };
  const settings = settingsInputSchema.parse({
    smtp: {
      ...account,
      port: stack.smtp.port,
      security: 'starttls',
      fromName: 'Strapi demo',
      fromAddress: mailbox.address,
    },
    // The stack's submission server stamps Authentication-Results with this id: replies
    // sent from the demo's mail accounts are verified, as they would be in production.
    imap: { ...account, port: stack.imap.tlsPort, security: 'tls', authservId: stack.authservId },
  });
  const article = {
    title: 'Welcome to the demo',
    body: 'An example draft: request an approval for it from the panel on the right.',
  };
  fs.writeFileSync(SEED_FILE, JSON.stringify({ settings, article }), { mode: 0o600 });
}

/** The plugin's dist/ is missing or older than a source file: `npm run build` first. */
function pluginBuildIsStale(): boolean {
  const mtimes = (dir: string) =>
    fs
      .readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => fs.statSync(path.join(e.parentPath, e.name)).mtimeMs);
  const outputs = ['dist/server/index.js', 'dist/admin/index.mjs'].map((f) => path.join(root, f));
  if (!outputs.every((f) => fs.existsSync(f))) return true;
  const built = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs));
  const sources = ['server/src', 'admin/src', 'shared'].flatMap(mtimes);
  return Math.max(...sources, fs.statSync(path.join(root, 'package.json')).mtimeMs) > built;
}

async function main() {
  if (pluginBuildIsStale()) run('npm', ['run', 'build'], root);
  // The admin panel bundles the plugin's admin part: rebuilt when the plugin's changed (~1 min).
  const build = await ensureAdminBuild();
  if (build.rebuilt) console.log(`admin panel built in ${Math.round(build.ms / 1000)} s`);

  const stack = await startStack();
  const user = (prefix: string) => stack.users.find((u) => u.address.startsWith(prefix))!;
  const [mailbox, approver] = [user('mailbox@'), user('approver@')];
  writeSeed(stack, mailbox);

  const strapi = spawn(strapiBin, ['start'], {
    cwd: appDir,
    env: { ...env, MAIL_SERVER_CA_FILE: stack.caFile, MAIL_SERVER_DEMO_SEED: SEED_FILE },
    stdio: 'inherit',
  });
  const admin = `${env.PUBLIC_URL}/admin`;
  const lines = [
    `Strapi admin: ${admin}`,
    `  1. Create the first admin there; use ${approver.address} as its email to approve by reply.`,
    `  2. Settings → Mail Server is filled in for the local mail stack: press Test in each section.`,
    `  3. Content Manager → Article → "Welcome to the demo" → request an approval by email.`,
    `  4. Reply APPROVE from a mail client on the approver's account below (IMAP + SMTP):`,
    `     the job reads the mailbox and publishes the entry within seconds.`,
    `Local mail stack (its CA is trusted by the demo app; same ports and accounts every run):`,
    `  SMTP  127.0.0.1:${stack.smtp.port} STARTTLS, or :${stack.smtp.tlsPort} SSL/TLS`,
    `  IMAP  127.0.0.1:${stack.imap.tlsPort} SSL/TLS, or :${stack.imap.port} STARTTLS`,
    ...stack.users.map((u) => `  user  ${u.address}  password ${u.password}`),
    `  CA certificate for your mail client: ${stack.caFile}`,
    `OAuth2 (tick "OAuth2 setup"): identity platform ${stack.idp.authorityHost}`,
    `  tenant ${stack.idp.client.tenantId}  client ${stack.idp.client.clientId}`,
    `  secret ${stack.idp.client.clientSecret}  (mailbox ${stack.idp.client.mailbox})`,
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

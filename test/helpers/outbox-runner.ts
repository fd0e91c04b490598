/**
 * Child process for test/api/outbox-faults.test.ts (spawned by spawnOutboxRunner): boots the
 * test app on the database the parent's environment names (the parent booted first, so the
 * tables exist) and lets the plugin's outbox run as in production: it claims and sends what is
 * queued. Reports `ready` over IPC; `exit` stops it cleanly. The inbox cron is removed.
 */
import './no-internet';
import { compileStrapi, createStrapi } from '@strapi/strapi';
import { APP_DIR } from './strapi';

async function main() {
  const ctx = await compileStrapi({ appDir: APP_DIR, ignoreDiagnostics: true });
  const strapi = createStrapi({ ...ctx, autoReload: false, serveAdminPanel: false });
  await strapi.load();
  strapi.cron.remove('mail-server-inbox');
  process.on('message', (m: { type: string }) => {
    if (m.type !== 'exit') return;
    void strapi
      .destroy()
      .catch(() => undefined)
      .then(() => process.exit(0));
  });
  process.send?.({ type: 'ready', pid: process.pid });
}

main().catch((err) => {
  process.stderr.write(`outbox-runner: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});

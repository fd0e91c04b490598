/**
 * A restart of the test Strapi on the same database: the running instance is destroyed (every
 * in-memory cache, pool and token with it) and the same app is loaded again, the way a deploy
 * or a crash restarts it. Logs stay captured by the first boot's capture.
 */
import { compileStrapi, createStrapi } from '@strapi/strapi';
import { APP_DIR, type TestStrapi } from './strapi';

export async function restartStrapi(app: TestStrapi): Promise<TestStrapi> {
  await app.strapi.destroy();
  // app.stop() will destroy its instance again: it is gone already, keep the rest of stop()
  // (database, captured console, environment) for the end.
  (app.strapi as { destroy: () => Promise<void> }).destroy = async () => undefined;
  const ctx = await compileStrapi({ appDir: APP_DIR, ignoreDiagnostics: true });
  const strapi = createStrapi({ ...ctx, autoReload: false, serveAdminPanel: false });
  await strapi.load();
  await strapi.server.mount();
  return {
    strapi,
    logs: app.logs,
    async stop() {
      try {
        await strapi.destroy();
      } finally {
        await app.stop();
      }
    },
  };
}

/**
 * What every browser suite of the settings page starts with: the admin panel built, the real
 * mail stack, the test app serving its admin on a free port, a super admin logged in through
 * the login page, and the locators the suites share (by role and label, as an admin sees them).
 */
import request from 'supertest';
import type { Browser, Locator, Page } from 'playwright-core';
import { connectionTestResultSchema } from '../../shared/contracts/connection-test';
import { settingsViewSchema } from '../../shared/contracts/settings';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import {
  createAdminUser,
  ensureAdminBuild,
  launchChromium,
  logIn,
  type AdminCredentials,
} from '../helpers/browser';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { startMailStack } from '../mailstack';
import type { MailStack, MailUser } from '../mailstack/types';

export const ACTIONS = {
  read: 'plugin::mail-server.settings.read',
  update: 'plugin::mail-server.settings.update',
  test: 'plugin::mail-server.settings.test',
};

export type SettingsFixture = Awaited<ReturnType<typeof startFixture>>;

/** `env`: more of the test app's environment, e.g. MAIL_SERVER_SMTP_FROM_NAME to lock a field. */
export async function startFixture(env: Record<string, string> = {}) {
  const build = await ensureAdminBuild();
  const stack: MailStack = await startMailStack();
  const app: TestStrapi = await bootStrapi(
    { ...env, MAIL_SERVER_CA_FILE: stack.caFile },
    { serveAdminPanel: true, listen: true }
  ).catch(async (err) => {
    await stack.stop();
    throw err;
  });
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await app.stop();
    await stack.stop();
  };
  try {
    const api: AdminSession = await createAdmin(app.strapi, SUPER_ADMIN);
    browser = await launchChromium();
    const page = await newPage(browser, app, await createAdminUser(app.strapi, SUPER_ADMIN));
    return fixture({ build, stack, app, api, browser, page, stop });
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A logged-in page of its own (own cookies), tall enough to photograph the whole form. */
async function newPage(browser: Browser, app: TestStrapi, admin: AdminCredentials) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 2200 } });
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  await logIn(page, app.url!, admin);
  // Strapi's own announcement banner, closed for cleaner screenshots when it is there.
  await page
    .getByRole('button', { name: /Close the banner/ })
    .click({ timeout: 3_000 })
    .catch(() => undefined);
  return page;
}

function fixture(parts: {
  build: { rebuilt: boolean; ms: number };
  stack: MailStack;
  app: TestStrapi;
  api: AdminSession;
  browser: Browser;
  page: Page;
  stop(): Promise<void>;
}) {
  const { app, api, page, stack } = parts;
  const user = (prefix: string): MailUser => stack.users.find((u) => u.address.startsWith(prefix))!;
  const call = (method: 'get' | 'put' | 'post', pathname: string) =>
    request(app.strapi.server.httpServer)
      [method](pathname)
      .set('Authorization', `Bearer ${api.token}`);

  const f = {
    ...parts,
    /** sends mail (SMTP account) */
    sender: user('editor@'),
    /** reads mail (IMAP account) */
    reader: user('approver@'),
    url: (pathname: string) => `${app.url}${pathname}`,

    smtp: (on: Page = page) => on.getByRole('region', { name: 'SMTP Server' }),
    imap: (on: Page = page) => on.getByRole('region', { name: 'IMAP Mailbox' }),
    saveButton: (on: Page = page) => on.getByRole('button', { name: 'Save', exact: true }),
    field: (section: Locator, label: string) => section.getByLabel(label, { exact: true }),
    /** A step of the last test result, by its label, once it shows `status` (OK, Failed…). */
    step: (section: Locator, name: string, status: string) =>
      section
        .getByRole('list', { name: 'Test steps' })
        .getByRole('listitem')
        .filter({ has: section.page().getByText(name, { exact: true }) })
        .getByText(status, { exact: true }),

    async choose(section: Locator, label: string, option: RegExp) {
      await section.getByRole('combobox', { name: label }).click();
      await page.getByRole('option', { name: option }).click();
    },
    /**
     * Switches a section to Microsoft Graph (`Send through` / `Read through`) at the local
     * Graph; the token then unlocks another resource, so the secret is typed again (issue #11).
     */
    async useGraph(section: Locator, transport: 'Send through' | 'Read through', secret: string) {
      await f.choose(section, transport, /Microsoft Graph/);
      const [host, port] = f.stack.graph.host.split(':') as [string, string];
      await f.field(section, 'Graph host').fill(host);
      await f.field(section, 'Port').fill(port);
      await section.getByRole('button', { name: 'Change Client secret' }).click();
      await f.field(section, 'Client secret').fill(secret);
      return { host, port: Number(port) };
    },
    async openSettingsPage(on: Page = page) {
      await on.goto(f.url('/admin/settings/mail-server'));
      await f.smtp(on).waitFor();
    },
    async save() {
      await f.saveButton().click();
      await page.getByText('Mail server settings saved').first().waitFor();
    },
    /** Another admin in a browser context of their own. */
    pageAs: (admin: AdminCredentials) => newPage(parts.browser, app, admin),

    /** What the API says is saved. */
    async savedSettings() {
      const res = await call('get', '/mail-server/settings').expect(200);
      return settingsViewSchema.parse(res.body.data);
    },
    async saveThroughApi(body: object) {
      await call('put', '/mail-server/settings').send(body).expect(200);
    },
    /** What the API answers to a Test with these values. */
    async apiTest(kind: 'smtp' | 'imap', body: object) {
      const res = await call('post', `/mail-server/connection-test/${kind}`).send(body).expect(200);
      return connectionTestResultSchema.parse(res.body.data);
    },
  };
  return f;
}

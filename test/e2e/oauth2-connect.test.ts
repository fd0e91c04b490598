/**
 * "Connect account" in a real browser: Debian's Chromium (playwright-core) on the settings page
 * of the test app, the local identity platform's sign-in page, the plugin's callback, and back
 * to the page, which shows the connected account; then a send with the delegated token and
 * Disconnect. Assertions are on what the admin sees and on what the API then returns.
 */
import '../helpers/no-internet';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { oauthStatusSchema } from '../../shared/contracts/oauth';
import { createAdmin, SUPER_ADMIN, type AdminSession } from '../helpers/admin';
import {
  createAdminUser,
  ensureAdminBuild,
  launchChromium,
  logIn,
  screenshot,
  type AdminCredentials,
} from '../helpers/browser';
import { blockedConnections } from '../helpers/no-internet';
import { oauthSections, registerApp } from '../helpers/oauth2';
import { bootStrapi, type TestStrapi } from '../helpers/strapi';
import { startMailStack } from '../mailstack';
import type { MailStack, MailUser } from '../mailstack/types';

describe('Connect account in the browser', () => {
  let stack: MailStack;
  let app: TestStrapi;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let api: AdminSession;
  let admin: AdminCredentials;
  let user: MailUser;

  const smtp = () => page.getByRole('region', { name: 'SMTP Server' });
  const status = async () => {
    const res = await request(app.strapi.server.httpServer)
      .get('/mail-server/oauth/status')
      .set('Authorization', `Bearer ${api.token}`)
      .expect(200);
    return oauthStatusSchema.parse(res.body.data);
  };

  beforeAll(async () => {
    await ensureAdminBuild();
    stack = await startMailStack({ imapMechanisms: ['xoauth2'] });
    user = stack.users.find((u) => u.address.startsWith('editor@'))!;
    const client = registerApp(stack);
    app = await bootStrapi(
      { MAIL_SERVER_CA_FILE: stack.caFile },
      { serveAdminPanel: true, listen: true }
    );
    api = await createAdmin(app.strapi, SUPER_ADMIN);
    admin = await createAdminUser(app.strapi, SUPER_ADMIN);
    await request(app.strapi.server.httpServer)
      .put('/mail-server/settings')
      .set('Authorization', `Bearer ${api.token}`)
      .send(oauthSections(stack, client, { grant: 'authorization_code', mailbox: user.address }))
      .expect(200);
    browser = await launchChromium();
    // The identity platform's certificate comes from the stack's own CA, which this fresh
    // browser profile does not know; the plugin itself verifies it strictly.
    context = await browser.newContext({ ignoreHTTPSErrors: true });
    page = await context.newPage();
    await logIn(page, app.url!, admin);
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.stop();
    await stack?.stop();
  });

  test('Connect account: sign in at the identity platform, back on the page as connected', async () => {
    await page.goto(`${app.url}/admin/settings/mail-server`);
    await smtp().getByRole('button', { name: 'Connect account' }).click();
    await page.waitForURL((url) => url.origin === stack.idp.url);
    await page.getByLabel('Email, phone, or Skype').fill(user.address);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/admin/settings/mail-server');
    await smtp().getByText('Account connected').waitFor();
    await smtp().getByText(`Connected as ${user.address}`, { exact: false }).waitFor();
    expect(new URL(page.url()).searchParams.get('oauth')).toBe(null); // outcome removed from URL
    await smtp().getByRole('button', { name: 'Disconnect' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'oauth2-connected');
    expect((await status()).smtp.connection?.account).toBe(user.address);

    const sent = await app.strapi
      .plugin('email')
      .service('email')
      .send({ to: user.address, subject: 'from the browser flow', text: 'x' });
    expect(sent.messageId).toBeTruthy();
  });

  test('Disconnect: the page and the API forget the account', async () => {
    await smtp().getByRole('button', { name: 'Disconnect' }).click();
    await smtp().getByText('No account is connected', { exact: false }).waitFor();
    expect((await status()).smtp.connection).toBe(null);
    expect(blockedConnections()).toStrictEqual([]);
  });
});

/**
 * Issue #15.4, "setup that explains itself", in a real browser: each friction point a new admin
 * met on Settings → Mail Server (and the delivery log), against the real mail stack. Assertions
 * are on roles, labels, states and the API's codes, not on long prose.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import request from 'supertest';
import type { Locator, Page } from 'playwright-core';
import { outboundMessageListSchema } from '../../shared/contracts/outbound-message';
import { screenshot } from '../helpers/browser';
import { until } from '../helpers/wait';
import { seriousA11yViolations } from '../helpers/axe';
import { takeBlockedConnections } from '../helpers/no-internet';
import { readMailbox } from '../helpers/mailbox';
import { startFixture, type SettingsFixture } from './fixture';

const TEST_SUBJECT = 'Mail Server test message from Strapi';

/** `read()` once `ok` holds of it (or after 10 s, for the assertion to show what it was). */
async function settled<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  await until(async () => ok(await read()), 10_000);
  return read();
}

describe('Settings → Mail Server: setup that explains itself (#15.4)', () => {
  let f: SettingsFixture;
  const smtpSettings = () => ({
    host: '127.0.0.1',
    port: f.stack.smtp.port,
    security: 'starttls',
    username: f.sender.address,
    password: f.sender.password,
    fromName: 'Strapi Setup',
    fromAddress: f.sender.address,
  });
  const imapSettings = () => ({
    host: '127.0.0.1',
    port: f.stack.imap.tlsPort,
    security: 'tls',
    username: f.reader.address,
    password: f.reader.password,
  });
  const deliveryLog = async (recipient: string) => {
    await f.app.strapi.plugin('mail-server').service('outbound-messages').flush();
    const res = await request(f.app.strapi.server.httpServer)
      .get('/mail-server/outbound-messages')
      .query({ recipient })
      .set('Authorization', `Bearer ${f.api.token}`)
      .expect(200);
    return outboundMessageListSchema.parse(res.body).data;
  };
  const oauth2Box = (section: Locator) => section.getByRole('checkbox', { name: /Use OAuth2/ });
  const status = (section: Locator) => section.getByRole('status').filter({ hasText: /test/ });

  beforeAll(async () => {
    f = await startFixture();
    await f.saveThroughApi({ smtp: smtpSettings(), imap: imapSettings() });
  });
  afterAll(async () => {
    await f?.stop();
  });

  test('the Microsoft cloud sits beside Tenant ID; Custom… shows the authority host', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    await oauth2Box(section).click();
    const tenant = f.field(section, 'Tenant ID');
    const cloud = section.getByRole('combobox', { name: 'Microsoft cloud' });
    await cloud.waitFor(); // visible without opening "Advanced"
    const [tenantBox, cloudBox] = [await tenant.boundingBox(), await cloud.boundingBox()];
    expect(Math.abs(tenantBox!.y - cloudBox!.y)).toBeLessThan(40); // on the same row
    expect(cloudBox!.x).toBeGreaterThan(tenantBox!.x);
    expect(await f.field(section, 'Authority host').count()).toBe(0);
    await cloud.click();
    const options = await f.page.getByRole('option').allTextContents();
    expect(options).toEqual([
      'Global (login.microsoftonline.com)',
      'US Government GCC High (login.microsoftonline.us)',
      'US Government DoD (login.microsoftonline.us)',
      'China, operated by 21Vianet (login.partner.microsoftonline.cn)',
      'Custom…',
    ]);
    await f.page.getByRole('option', { name: /US Government GCC High/ }).click();
    await section
      .getByText(/Signs in at login\.microsoftonline\.us; tokens for outlook\.office365\.us/)
      .waitFor();
    await f.choose(section, 'Microsoft cloud', /Custom/);
    const authority = f.field(section, 'Authority host');
    expect(await authority.inputValue()).toBe('login.microsoftonline.us'); // the host it replaces
    // "Advanced" keeps only the grant.
    await section.getByRole('button', { name: 'Advanced' }).click();
    await section.getByRole('combobox', { name: 'Grant' }).waitFor();
    expect(await f.field(section, 'Authority host').count()).toBe(1);
    await screenshot(f.page, 'settings-setup-cloud');
  });

  test('a URL pasted into a host field gives the host, the port and the implied security', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    await f.field(section, 'Host').fill('smtps://127.0.0.1:465/');
    expect(await f.field(section, 'Host').inputValue()).toBe('127.0.0.1');
    expect(await f.field(section, 'Port').inputValue()).toBe('465');
    expect(await section.getByRole('combobox', { name: 'Security' }).textContent()).toContain(
      'SSL/TLS (implicit)'
    );
    await section
      .getByRole('status')
      .getByText(/Taken from the pasted address/)
      .waitFor();
    expect(await f.field(section, 'Host').getAttribute('aria-invalid')).not.toBe('true');

    // Pasted back to the saved server: nothing left to save, and the Test works with it.
    await f.field(section, 'Host').fill(`smtp://127.0.0.1:${f.stack.smtp.port}`);
    await f.choose(section, 'Security', /^STARTTLS$/);
    expect(await f.field(section, 'Port').inputValue()).toBe(String(f.stack.smtp.port));
    expect(await f.saveButton().isDisabled()).toBe(true);
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection works').waitFor();

    // The authority host takes a pasted sign-in URL too.
    await oauth2Box(section).click();
    await f.choose(section, 'Microsoft cloud', /Custom/);
    await f.field(section, 'Authority host').fill('https://login.microsoftonline.us/');
    expect(await f.field(section, 'Authority host').inputValue()).toBe('login.microsoftonline.us');
  });

  test('ticking OAuth2 shows no errors until a field is left or Save is pressed', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    await oauth2Box(section).click();
    const tenant = f.field(section, 'Tenant ID');
    const clientId = f.field(section, 'Client ID');
    await tenant.waitFor();
    expect(await tenant.getAttribute('aria-invalid')).not.toBe('true');
    expect(await clientId.getAttribute('aria-invalid')).not.toBe('true');
    expect(await section.getByText('Required for OAuth2').count()).toBe(0);

    // Save is how to see what is missing: all shown, the focus on the first; nothing saved.
    await f.saveButton().click();
    const invalid = (field: typeof tenant) => () => field.getAttribute('aria-invalid');
    expect(await settled(invalid(tenant), (v) => v === 'true')).toBe('true');
    expect(await clientId.getAttribute('aria-invalid')).toBe('true');
    expect(await section.getByText('Required for OAuth2').count()).toBeGreaterThanOrEqual(3);
    expect(
      await settled(
        () => tenant.evaluate((el) => el === document.activeElement),
        (v) => v
      )
    ).toBe(true);
    expect(await f.saveButton().isDisabled()).toBe(true);
    expect((await f.savedSettings()).smtp.oauth2.enabled).toBe(false);

    // Without Save: a field left empty says so, and only it.
    await f.openSettingsPage();
    await oauth2Box(f.smtp()).click();
    await tenant.focus();
    await clientId.focus();
    expect(await settled(invalid(tenant), (v) => v === 'true')).toBe('true');
    expect(await clientId.getAttribute('aria-invalid')).not.toBe('true');
  });

  test('a Test result is scrolled into view, focused and announced in one line', async () => {
    const { page } = f;
    await page.setViewportSize({ width: 1280, height: 720 });
    try {
      await f.openSettingsPage();
      const section = f.smtp();
      const button = section.getByRole('button', { name: 'Test SMTP' });
      await button.click();
      const heading = section.getByText('The connection works');
      await heading.waitFor();
      expect(
        await settled(
          () => heading.evaluate(inViewport),
          (v) => v === true
        )
      ).toBe(true);
      expect(
        await settled(
          () => status(section).textContent(),
          (v) => v === 'SMTP test passed'
        )
      ).toBe('SMTP test passed');
      expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).toContain(
        'The connection works'
      );

      await f.field(section, 'Port').fill('1'); // nothing listens there
      await section.getByRole('button', { name: 'Change Password' }).click();
      await f.field(section, 'Password').fill(f.sender.password);
      await button.click();
      await section.getByText('The connection failed').waitFor();
      expect(
        await settled(
          () => status(section).textContent(),
          (v) => /^SMTP test failed: \S/.test(String(v))
        )
      ).toMatch(/^SMTP test failed: \S/);
      await screenshot(page, 'settings-setup-announced');
    } finally {
      await page.setViewportSize({ width: 1440, height: 2200 });
    }
  });

  test('a changed port withholds the saved password, naming the port (not the host)', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    const port = String(f.stack.smtp.tlsPort);
    await f.field(section, 'Port').fill(port);
    await f.choose(section, 'Security', /SSL\/TLS/);
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection failed').waitFor();
    const expected = await f.apiTest('smtp', {
      smtp: { ...smtpSettings(), password: undefined, port: Number(port), security: 'tls' },
    });
    expect(expected.error).toMatchObject({
      code: 'ESECRETDEST',
      reason: 'destination-changed',
      changed: ['port', 'security'],
      secret: 'password',
    });
    await section.getByText('ESECRETDEST', { exact: true }).waitFor();
    await section
      .getByText(/^The saved password was not used: the port and security changed/)
      .waitFor();
    const diagnosis = await section
      .getByText(/^The saved password was not used/)
      .first()
      .textContent();
    expect(diagnosis).not.toMatch(/host/);
  });

  test('with the authority host left empty, a failed token request names the host it tried', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    await oauth2Box(section).click();
    await f.field(section, 'Tenant ID').fill('contoso.onmicrosoft.com');
    await f.field(section, 'Client ID').fill('00000000-0000-0000-0000-00000000000a');
    await f.field(section, 'Client secret').fill('a-secret');
    await f.choose(section, 'Microsoft cloud', /Custom/);
    await f.field(section, 'Authority host').fill('');
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection failed').waitFor();
    await section.getByText('EOAUTH2', { exact: true }).waitFor();
    // Tests never leave loopback: Microsoft's own host is unreachable, and the page says which.
    await section
      .getByText(/identity platform at login\.microsoftonline\.com/)
      .first()
      .waitFor();
    // Refused by the test guard before any packet left; nothing else was attempted.
    expect(takeBlockedConnections()).toStrictEqual(['connection to login.microsoftonline.com:443']);
  });

  test('a healthy first IMAP test shows the missing Processed folder as OK, not a warning', async () => {
    const folder = `Processed-${Date.now().toString(36)}`;
    await f.saveThroughApi({ imap: { ...imapSettings(), processedFolder: folder } });
    await f.openSettingsPage();
    const section = f.imap();
    await section.getByRole('button', { name: 'Test IMAP' }).click();
    await section.getByText('The connection works').waitFor();
    await f.step(section, 'Processed folder', 'OK').waitFor();
    await section.getByText(new RegExp(`${folder} will be created`)).waitFor();
    const steps = section.getByRole('list', { name: 'Test steps' });
    expect(await steps.locator('[data-step="folder"]').getAttribute('data-status')).toBe('ok');
  });

  test('a fix with a command shows it as code, without backticks', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    await f.field(section, 'Host').fill('no-such-host.invalid');
    await section.getByRole('button', { name: 'Change Password' }).click();
    await f.field(section, 'Password').fill('x');
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('EDNS', { exact: true }).waitFor();
    await section.locator('code', { hasText: 'nslookup no-such-host.invalid' }).waitFor();
    const result = section.getByText('How to fix it:').locator('..');
    expect(await result.textContent()).not.toContain('`');
  });

  test('the security options name the mode only; a port of another mode is a hint', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    await section.getByRole('combobox', { name: 'Security' }).click();
    expect(await f.page.getByRole('option').allTextContents()).toEqual([
      'SSL/TLS (implicit)',
      'STARTTLS',
      'None (unencrypted)',
    ]);
    await f.page.keyboard.press('Escape');
    const hint = section.getByText(/Port 465 is usually SSL\/TLS \(implicit\)/);
    expect(await hint.count()).toBe(0);
    await f.field(section, 'Port').fill('465'); // the saved security is STARTTLS
    await hint.waitFor();
    expect(await f.field(section, 'Port').getAttribute('aria-invalid')).not.toBe('true');
    expect(await f.saveButton().isDisabled()).toBe(false); // a hint, not an error
    await f.choose(section, 'Security', /SSL\/TLS/);
    await hint.waitFor({ state: 'detached' });
  });

  test('test emails are in the delivery log (sent and failed), from "From name <address>"', async () => {
    const { page } = f;
    await f.openSettingsPage();
    const section = f.smtp();
    await f.field(section, 'Send a test email to…').fill(f.reader.address);
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection works').waitFor();
    const [received] = await readMailbox(f.stack, f.reader, { subject: TEST_SUBJECT });
    expect(received?.from?.value[0]).toMatchObject({
      name: 'Strapi Setup',
      address: f.sender.address,
    });

    const failedTo = `nobody-${Date.now().toString(36)}@example.test`; // refused at RCPT TO
    await f.field(section, 'Send a test email to…').fill(failedTo);
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection failed').waitFor();

    const sent = (await deliveryLog(f.reader.address)).find((m) => m.subject === TEST_SUBJECT);
    expect(sent?.status).toBe('sent');
    const failed = (await deliveryLog(failedTo)).find((m) => m.subject === TEST_SUBJECT);
    expect([failed?.status, failed?.errorCode]).toEqual(['failed', expect.any(String)]);

    await page.getByRole('link', { name: 'Delivery log' }).click();
    const table = page.getByRole('grid', { name: 'Delivery log' });
    await table
      .getByRole('row')
      .filter({ hasText: failedTo })
      .getByText('Failed', { exact: true })
      .waitFor();
  });

  test('the delivery log wraps between addresses, never inside one', async () => {
    const { page } = f;
    const token = Date.now().toString(36);
    const addresses = [
      `first-${token}@example.org`,
      `second.person-${token}@example.com`,
      `third-${token}@sub.example.net`,
    ];
    const service = f.app.strapi.plugin('mail-server').service('outbound-messages');
    service.record({
      recipients: `${addresses[0]}, ${addresses[1]}; ${addresses[2]}`,
      subject: `Wrapping ${token}`,
      status: 'sent',
      attempts: 1,
      durationMs: 1,
      revision: 0,
    });
    await service.flush();
    await page.setViewportSize({ width: 1024, height: 900 });
    try {
      await f.openSettingsPage();
      await page.getByRole('link', { name: 'Delivery log' }).click();
      const row = page
        .getByRole('grid', { name: 'Delivery log' })
        .getByRole('row')
        .filter({ hasText: `Wrapping ${token}` });
      await row.waitFor();
      const lines = await row.evaluate((tr, wanted) => {
        // Each address's text, by the lines it is laid out on.
        const cell = Array.from(tr.querySelectorAll('td')).find((td) =>
          td.textContent?.includes(wanted[0])
        )!;
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        const out: Record<string, number> = {};
        const lineCount = (range: Range) => {
          // Fragments whose tops differ by more than a few pixels (glyphs of another font on
          // one line differ by a pixel or two).
          const tops = Array.from(range.getClientRects())
            .map((r) => r.top)
            .sort((a, b) => a - b);
          return tops.filter((top, i) => i === 0 || top - tops[i - 1]! > 6).length;
        };
        const whole = document.createRange();
        whole.selectNodeContents(cell);
        out.cell = lineCount(whole);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const text = node.textContent ?? '';
          const address = wanted.find((a) => text.includes(a));
          if (!address) continue;
          const range = document.createRange();
          range.selectNodeContents(node);
          out[address] = lineCount(range);
        }
        return { out };
      }, addresses);
      await screenshot(page, 'settings-setup-delivery-log');
      const { cell, ...each } = lines.out;
      expect(cell).toBeGreaterThan(1); // the column is narrower than the list: it does wrap
      expect(each).toEqual(Object.fromEntries(addresses.map((a) => [a, 1]))); // between them
    } finally {
      await page.setViewportSize({ width: 1440, height: 2200 });
    }
  });

  test('accessibility: no serious or critical axe violations, OAuth2 open and a Test result shown', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    await oauth2Box(section).click();
    await f.field(section, 'Tenant ID').waitFor();
    await section.getByRole('button', { name: 'Advanced' }).click();
    expect(await seriousA11yViolations(f.page, { scope: 'main' })).toEqual([]);
    await oauth2Box(section).click();
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection works').waitFor();
    await f.imap().getByRole('button', { name: 'Test IMAP' }).click();
    await f.imap().getByText('The connection works').waitFor();
    expect(await seriousA11yViolations(f.page, { scope: 'main' })).toEqual([]);
  });
});

/** Whether an element is wholly inside the viewport (run in the page). */
function inViewport(el: Element): boolean {
  const r = el.getBoundingClientRect();
  return r.top >= 0 && r.bottom <= window.innerHeight;
}

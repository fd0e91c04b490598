/**
 * Settings → Mail Server in a real browser: Debian's Chromium (playwright-core) against the test
 * app with its admin panel built, on the real mail stack (Dovecot + SMTP on loopback). The admin
 * fills in SMTP and IMAP, saves, and presses Test. Assertions are on what the admin sees and on
 * what the API then returns, never on markup details.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { diagnostic } from '../helpers/diagnostic';
import fs from 'node:fs';
import path from 'node:path';
import { screenshot } from '../helpers/browser';
import { readMailbox } from '../helpers/mailbox';
import { startFixture, type SettingsFixture } from './fixture';

const DOCS_SCREENSHOT = path.resolve(__dirname, '..', '..', 'docs', 'settings-page.png');

describe('Settings → Mail Server: save and test the connections', () => {
  let f: SettingsFixture;

  beforeAll(async () => {
    f = await startFixture();
  });
  afterAll(async () => {
    await f?.stop();
  });

  test('the page is listed under Settings and has an SMTP and an IMAP section', async () => {
    diagnostic(
      f.build.rebuilt ? `admin panel built in ${f.build.ms} ms` : 'admin panel up to date'
    );
    await f.page.goto(f.url('/admin/settings'));
    await f.page.getByRole('link', { name: 'Mail Server' }).click();
    await f.page.getByRole('heading', { name: 'Mail Server', level: 1 }).waitFor();
    await f.smtp().waitFor();
    await f.imap().getByText('Only needed to read mail').waitFor();
  });

  test('SMTP values saved in the form persist after a reload, the password only shown as set', async () => {
    const { page, field, stack, sender } = f;
    await f.openSettingsPage();
    const section = f.smtp();
    await field(section, 'Host').fill('127.0.0.1');
    await field(section, 'Port').fill(String(stack.smtp.port));
    await f.choose(section, 'Security', /STARTTLS/);
    await field(section, 'Username').fill(sender.address);
    await field(section, 'Password').fill(sender.password);
    await field(section, 'From name').fill('Strapi CMS');
    await field(section, 'From address').fill(sender.address);
    await screenshot(page, 'settings-filled');
    await f.save();

    const saved = await f.savedSettings();
    expect(saved.smtp.host).toBe('127.0.0.1');
    expect(saved.smtp.port).toBe(stack.smtp.port);
    expect(saved.smtp.security).toBe('starttls');
    expect(saved.smtp.passwordSet).toBe(true);

    await page.reload();
    const reloaded = f.smtp();
    await reloaded.waitFor();
    expect(await field(reloaded, 'Host').inputValue()).toBe('127.0.0.1');
    expect(await field(reloaded, 'Port').inputValue()).toBe(String(stack.smtp.port));
    expect(await field(reloaded, 'From name').inputValue()).toBe('Strapi CMS');
    await reloaded.getByRole('group', { name: 'Password' }).getByText('••••••• set').waitFor();
    expect(await reloaded.locator('input[type="password"]').count()).toBe(0);
    expect(!(await page.content()).includes(sender.password)).toBeTruthy(); // the password is not in the page
    expect(await f.saveButton().isDisabled()).toBe(true); // nothing to save after a reload
  });

  test('Test SMTP shows every step of a working connection, with the test email sent', async () => {
    const { page } = f;
    await f.openSettingsPage();
    const section = f.smtp();
    // Hold the request so that the "testing" state can be seen (and photographed).
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/mail-server/connection-test/smtp', async (route) => {
      await held;
      await route.continue();
    });
    await f.field(section, 'Send a test email to…').fill(f.reader.address);
    try {
      await section.getByRole('button', { name: 'Test SMTP' }).click();
      await section.getByText('Testing the connection…').waitFor();
      await screenshot(page, 'settings-testing');
    } finally {
      release();
    }
    await section.getByText('The connection works').waitFor();
    await page.unroute('**/mail-server/connection-test/smtp');
    for (const name of ['Connect', 'TLS', 'Authenticate', 'Send the test email']) {
      await f.step(section, name, 'OK').waitFor();
    }
    // "Sent" means delivered: the message is in the recipient's mailbox (the stack's SMTP
    // server answers only once Dovecot has it), from the configured sender.
    const [received] = await readMailbox(f.stack, f.reader, {
      subject: 'Mail Server test message from Strapi',
    });
    expect(received?.from?.value[0]?.address).toBe(f.sender.address);
    const file = await screenshot(page, 'settings-test-success');
    // Tests never rewrite tracked files: the README's picture is renewed on purpose only, by
    // `npm run docs:screenshot` (this test with UPDATE_DOCS_SCREENSHOT=1).
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') fs.copyFileSync(file, DOCS_SCREENSHOT);
  });

  test('a wrong SMTP password typed but not saved fails at authenticate with the diagnosis', async () => {
    const { page, field } = f;
    await f.openSettingsPage();
    const section = f.smtp();
    const saved = await f.savedSettings();
    // By keyboard: Change moves the focus into the new password input.
    await section.getByRole('button', { name: 'Change Password' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('wrong-password');
    expect(await field(section, 'Password').inputValue()).toBe('wrong-password');
    const testButton = section.getByRole('button', { name: 'Test SMTP' });
    await testButton.focus();
    expect(await testButton.evaluate((el) => getComputedStyle(el).outlineStyle)).not.toBe('none'); // the focused button shows a focus ring
    await page.keyboard.press('Enter');
    await section.getByText('The connection failed').waitFor();
    await f.step(section, 'Authenticate', 'Failed').waitFor();
    await f.step(section, 'Connect', 'OK').waitFor();

    // The page shows what the API diagnoses for the same values.
    const expected = await f.apiTest('smtp', {
      smtp: {
        host: '127.0.0.1',
        port: f.stack.smtp.port,
        security: 'starttls',
        username: f.sender.address,
        password: 'wrong-password',
      },
    });
    expect(expected.error?.code).toBe('EAUTH');
    await section.getByText(expected.error!.code, { exact: true }).waitFor();
    await section.getByText(expected.error!.diagnosis, { exact: true }).waitFor();
    await screenshot(page, 'settings-test-failure');

    expect(await f.savedSettings()).toStrictEqual(saved); // testing saved nothing
    await section.getByRole('button', { name: 'Keep the saved one' }).click();
    expect(await f.saveButton().isDisabled()).toBe(true);
    const change = section.getByRole('button', { name: 'Change Password' });
    expect(await change.evaluate((el) => el === document.activeElement)).toBe(true); // focus kept
  });

  test('the saved password is only reused for the same server: another host needs it typed', async () => {
    const { field } = f;
    await f.openSettingsPage();
    const section = f.smtp();
    // Same server under another name (its certificate covers localhost too).
    await field(section, 'Host').fill('localhost');
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection failed').waitFor();
    const expected = await f.apiTest('smtp', {
      smtp: {
        host: 'localhost',
        port: f.stack.smtp.port,
        security: 'starttls',
        username: f.sender.address,
      },
    });
    expect(expected.error).toMatchObject({
      code: 'ESECRETDEST',
      reason: 'destination-changed',
      changed: ['host'],
    });
    // The page words the stable reason itself (#15.4): which part changed, why it is withheld.
    await section.getByText('ESECRETDEST', { exact: true }).waitFor();
    await section.getByText(/^The saved password was not used: the host changed/).waitFor();

    await section.getByRole('button', { name: 'Change Password' }).click();
    await field(section, 'Password').fill(f.sender.password);
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection works').waitFor();

    await field(section, 'Host').fill('127.0.0.1');
    await section.getByRole('button', { name: 'Keep the saved one' }).click();
    expect(await f.saveButton().isDisabled()).toBe(true);
  });

  test('IMAP: saved, tested, and a wrong password fails at authenticate', async () => {
    const { field, reader } = f;
    await f.openSettingsPage();
    const section = f.imap();
    await field(section, 'Host').fill('127.0.0.1');
    await field(section, 'Port').fill(String(f.stack.imap.tlsPort));
    await f.choose(section, 'Security', /SSL\/TLS/);
    await field(section, 'Username').fill(reader.address);
    await field(section, 'Password').fill(reader.password);
    await f.save();
    const saved = await f.savedSettings();
    expect(saved.imap.port).toBe(f.stack.imap.tlsPort);
    expect(saved.imap.security).toBe('tls');
    expect(saved.imap.passwordSet).toBe(true);

    await section.getByRole('button', { name: 'Test IMAP' }).click();
    await section.getByText('The connection works').waitFor();
    for (const name of ['Connect', 'Authenticate', 'Open the mailbox']) {
      await f.step(section, name, 'OK').waitFor();
    }

    await section.getByRole('button', { name: 'Change Password' }).click();
    await field(section, 'Password').fill('wrong-password');
    await section.getByRole('button', { name: 'Test IMAP' }).click();
    await section.getByText('The connection failed').waitFor();
    await f.step(section, 'Authenticate', 'Failed').waitFor();
    await section.getByText('EAUTH', { exact: true }).waitFor();
    await screenshot(f.page, 'settings-imap-failure');
    await section.getByRole('button', { name: 'Keep the saved one' }).click();
    expect(await f.saveButton().isDisabled()).toBe(true);
  });
});

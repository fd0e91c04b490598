/**
 * Strapi's own Settings → Email page while this plugin is the email provider: it names the
 * plugin, shows the sender that emails really get (from Settings → Mail Server) and the real
 * encryption of the connection, and its "Send test email" goes out through the plugin.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import crypto from 'node:crypto';
import { screenshot } from '../helpers/browser';
import { readMailbox } from '../helpers/mailbox';
import { startFixture, type SettingsFixture } from './fixture';

describe("Strapi's Settings → Email page with the plugin as provider", () => {
  let f: SettingsFixture;
  const fromName = `Newsroom ${crypto.randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    f = await startFixture();
    await f.saveThroughApi({
      smtp: {
        host: '127.0.0.1',
        port: f.stack.smtp.port,
        security: 'starttls',
        username: f.sender.address,
        password: f.sender.password,
        fromName,
        fromAddress: f.sender.address,
        replyTo: 'help@example.test',
      },
    });
  });
  afterAll(async () => {
    await f?.stop();
  });

  /** What a read-only field shows: an input's value, or the text of a select (the provider). */
  const readonlyValue = (label: string) =>
    f.page
      .getByLabel(label, { exact: true })
      .first()
      .evaluate((el) =>
        el instanceof HTMLInputElement ? el.value : (el.textContent ?? '').trim()
      );

  test('names the plugin, its sender and the STARTTLS connection as encrypted', async () => {
    const { page, stack, sender } = f;
    await page.goto(f.url('/admin/settings/email'));
    await page.getByRole('heading', { name: 'Provider capabilities' }).waitFor();
    expect(await readonlyValue('Email provider')).toBe('strapi-plugin-mail-server');
    expect(await readonlyValue('Default sender email')).toBe(sender.address);
    expect(await readonlyValue('Default sender name')).toBe(fromName);
    expect(await readonlyValue('Default response email')).toBe('help@example.test');
    expect(await readonlyValue('SMTP server')).toBe(`127.0.0.1:${stack.smtp.port}`);
    expect(await readonlyValue('Encryption')).toBe('TLS');
    await page.getByText('Require TLS', { exact: true }).waitFor();
    await page.getByText('Settings → Mail Server', { exact: true }).waitFor();
    await screenshot(page, 'strapi-email-settings');
  });

  test('"Send test email" goes through the plugin and says so', async () => {
    const { page, stack, reader } = f;
    await page.getByLabel('Recipient email', { exact: true }).fill(reader.address);
    await page.getByRole('button', { name: 'Send test email' }).click();
    await page.getByText(`Email test succeeded, check the ${reader.address} mailbox`).waitFor();
    const [mail] = await readMailbox(stack, reader, {
      subject: `Strapi test mail to: ${reader.address}`,
    });
    expect(mail?.from?.value[0]?.address).toBe(f.sender.address);
    expect(mail?.from?.value[0]?.name).toBe(fromName);
    expect(mail?.text).toContain('with the strapi-plugin-mail-server provider');
    await f.app.strapi.plugin('mail-server').service('outbound-messages').flush();
    const logged = await f.app.strapi.db
      .query('plugin::mail-server.outbound-message')
      .findOne({ where: { subject: `Strapi test mail to: ${reader.address}` } });
    expect(logged?.status).toBe('sent');
  });
});

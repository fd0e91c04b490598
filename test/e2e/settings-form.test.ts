/**
 * Settings → Mail Server in a real browser: how the form behaves (OAuth2 fields, the Microsoft
 * 365 warning, validation on the fields, leaving with unsaved changes) and what admins with
 * fewer permissions see. The SMTP section is saved through the API first.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { diagnostic } from '../helpers/diagnostic';
import { createAdminUser, screenshot } from '../helpers/browser';
import { X509Certificate } from 'node:crypto';
import { oauthSections, registerApp } from '../helpers/oauth2';
import { createClientCertificate } from '../mailstack/certs';
import { ACTIONS, startFixture, type SettingsFixture } from './fixture';

describe('Settings → Mail Server: the form and the permissions', () => {
  let f: SettingsFixture;
  const smtpSettings = () => ({
    host: '127.0.0.1',
    port: f.stack.smtp.port,
    security: 'starttls',
    username: f.sender.address,
    fromAddress: f.sender.address,
  });

  beforeAll(async () => {
    f = await startFixture({ MAIL_SERVER_SMTP_FROM_NAME: 'Strapi Test App' });
    await f.saveThroughApi({ smtp: { ...smtpSettings(), password: f.sender.password } });
  });
  afterAll(async () => {
    await f?.stop();
  });

  test('a value set by the app configuration is shown locked, with a hint naming the config', async () => {
    diagnostic(
      f.build.rebuilt ? `admin panel built in ${f.build.ms} ms` : 'admin panel up to date'
    );
    await f.openSettingsPage();
    const fromName = f.field(f.smtp(), 'From name');
    expect(await fromName.inputValue()).toBe('Strapi Test App');
    expect(await fromName.isDisabled()).toBe(true);
    await f
      .smtp()
      .getByText(/config\.smtp\.fromName/)
      .waitFor();
  });

  test('the OAuth2 checkbox reveals the app registration fields and hides them again', async () => {
    const { field } = f;
    await f.openSettingsPage();
    const section = f.imap();
    const oauth2 = section.getByRole('checkbox', { name: /Use OAuth2/ });
    expect(await field(section, 'Tenant ID').count()).toBe(0);
    await oauth2.click();
    await field(section, 'Tenant ID').waitFor();
    await field(section, 'Client ID').waitFor();
    await field(section, 'Client secret').waitFor();
    const guide = section.getByRole('link', { name: /Microsoft guide/ });
    expect((await guide.getAttribute('href')) ?? '').toMatch(/^https:\/\/learn\.microsoft\.com\//);
    await section.getByRole('button', { name: 'Advanced' }).click();
    await section.getByRole('combobox', { name: 'Grant' }).waitFor();
    // The authority host is the Microsoft cloud's "Custom…", beside the Tenant ID (#15.4).
    await f.choose(section, 'Microsoft cloud', /Custom/);
    await field(section, 'Authority host').waitFor();
    await screenshot(f.page, 'settings-oauth2');
    await oauth2.click();
    await field(section, 'Tenant ID').waitFor({ state: 'detached' });
    expect(await f.saveButton().isDisabled()).toBe(true); // back to the saved values
  });

  test('a Microsoft 365 host without OAuth2 warns that basic authentication is going away', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    const warning = section.getByText('Microsoft 365 needs OAuth2');
    await f.field(section, 'Host').fill('smtp.office365.com');
    await warning.waitFor();
    await section.getByRole('checkbox', { name: /Use OAuth2/ }).click();
    await warning.waitFor({ state: 'detached' });
    await section.getByRole('checkbox', { name: /Use OAuth2/ }).click();
    await f.field(section, 'Host').fill('127.0.0.1');
    expect(await f.saveButton().isDisabled()).toBe(true);
  });

  test('an error the server reports on a field is shown on that field', async () => {
    const { page, field } = f;
    await f.openSettingsPage();
    const section = f.smtp();
    // The page checks all that the shared schema checks, so the server's 400 is stood in for.
    const error = {
      status: 400,
      name: 'ValidationError',
      message: 'smtp.replyTo: must be an email address',
      details: {
        errors: [{ path: ['smtp', 'replyTo'], message: 'must be an email address' }],
      },
    };
    await page.route('**/mail-server/settings', (route) =>
      route.request().method() === 'PUT'
        ? route.fulfill({ status: 400, json: { data: null, error } })
        : route.continue()
    );
    const message = section.getByText('Enter an email address');
    try {
      await field(section, 'Reply-to').fill('replies@example.test');
      await f.saveButton().click();
      await message.waitFor();
      expect(await field(section, 'Reply-to').getAttribute('aria-invalid')).toBe('true');
    } finally {
      await page.unroute('**/mail-server/settings');
    }
    await field(section, 'Reply-to').fill('');
    await message.waitFor({ state: 'detached' });
    expect(await f.saveButton().isDisabled()).toBe(true);
  });

  test('port 70000 is shown as an error on its field and nothing is saved', async () => {
    await f.openSettingsPage();
    const port = f.field(f.smtp(), 'Port');
    await port.fill('70000');
    await f.smtp().getByText('Must be 65535 or less').waitFor();
    expect(await port.getAttribute('aria-invalid')).toBe('true');
    expect(await f.saveButton().isDisabled()).toBe(true);
    await port.press('Enter');
    expect((await f.savedSettings()).smtp.port).toBe(f.stack.smtp.port);
    await screenshot(f.page, 'settings-validation');
  });

  test('leaving with unsaved changes asks first', async () => {
    const { page } = f;
    // The page still holds the unsaved port of the previous test.
    expect(await f.field(f.smtp(), 'Port').inputValue()).toBe('70000');
    await page.getByRole('link', { name: 'Overview' }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.getByText('Unsaved changes').waitFor();
    await dialog.getByRole('button', { name: 'Stay on this page' }).click();
    expect(page.url()).toMatch(/\/settings\/mail-server$/);
    expect(await f.field(f.smtp(), 'Port').inputValue()).toBe('70000');
    await page.getByRole('link', { name: 'Overview' }).click();
    await dialog.getByRole('button', { name: 'Leave without saving' }).click();
    await page.waitForURL(/\/settings\/application-infos$/);
  });

  test('Clear removes a stored password on save; Undo before saving keeps it', async () => {
    await f.openSettingsPage();
    const section = f.smtp();
    const password = section.getByRole('group', { name: 'Password' });
    await section.getByRole('button', { name: 'Clear Password' }).click();
    await password.getByText('Will be removed when you save').waitFor();
    await password.getByRole('button', { name: 'Undo' }).click();
    await password.getByText('••••••• set').waitFor();
    expect(await f.saveButton().isDisabled()).toBe(true);

    await section.getByRole('button', { name: 'Clear Password' }).click();
    await f.save();
    expect((await f.savedSettings()).smtp.passwordSet).toBe(false);
    await f.field(section, 'Password').waitFor();
    // Back to a working account for the next tests.
    await f.saveThroughApi({ smtp: { ...smtpSettings(), password: f.sender.password } });
  });

  test('sender verification: no proof source and "From header only" are warned about, in the page and in Test IMAP', async () => {
    const { field, reader } = f;
    const imap = {
      host: '127.0.0.1',
      port: f.stack.imap.tlsPort,
      security: 'tls',
      username: reader.address,
      password: reader.password,
    };
    await f.saveThroughApi({ imap });
    await f.openSettingsPage();
    const section = f.imap();
    const noProof = section.getByText('No reply can be verified yet');
    const forgeable = section.getByText('Anyone can approve by forging From');
    await noProof.waitFor(); // verified by default, but nothing named to verify with
    await field(section, 'Receiving server (authserv-id)').fill(f.stack.authservId);
    await noProof.waitFor({ state: 'detached' });
    await f.save();
    await section.getByRole('button', { name: 'Test IMAP' }).click();
    await section.getByText('The connection works').waitFor();
    await f.step(section, 'Sender verification', 'OK').waitFor();

    await f.choose(section, 'Sender verification', /From header only/);
    await forgeable.waitFor();
    await screenshot(f.page, 'settings-sender-from-header');
    await f.save();
    expect((await f.savedSettings()).imap.senderCheck).toBe('from-header');
    await section.getByRole('button', { name: 'Test IMAP' }).click();
    await f.step(section, 'Sender verification', 'Warning').waitFor();
    await section.getByText(/From header only: anyone who forges/).waitFor();
    await f.saveThroughApi({ imap: { ...imap, authservId: f.stack.authservId } });
  });

  test('certificate credentials: pasted once, saved, shown only as its SHA-256 thumbprint; Test SMTP signs in with it', async () => {
    const pair = await createClientCertificate(`${f.stack.dir}/app-certs`, 'e2e');
    const client = registerApp(f.stack, { certificates: [pair.certificate] });
    // The SMTP section in OAuth2 mode with a secret; the admin switches it to the certificate.
    const { smtp } = oauthSections(f.stack, client);
    await f.saveThroughApi({ smtp });
    await f.openSettingsPage();
    const section = f.smtp();
    await f.choose(section, 'Credential', /Certificate/);
    const pem = f.field(section, 'Certificate and private key');
    await pem.fill(pair.bundle);
    await f.save();
    const thumbprint = new X509Certificate(pair.certificate).fingerprint256.replace(/:/g, '');
    await section.getByText(`Set: SHA-256 thumbprint ${thumbprint}`).waitFor();
    // The key is never shown again: no line of it is in the page.
    const keyLine = pair.key.split('\n')[1]!;
    expect(keyLine.length).toBeGreaterThan(40);
    expect(await f.page.content()).not.toContain(keyLine);
    expect((await f.savedSettings()).smtp.oauth2).toMatchObject({
      credential: 'certificate',
      clientCertificateSet: true,
    });
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await f.step(section, 'Authenticate', 'OK').waitFor();
    await screenshot(f.page, 'settings-certificate');
    // Back to the password login the other tests expect.
    await f.saveThroughApi({ smtp: { ...smtpSettings(), password: f.sender.password } });
  });

  test('Microsoft Graph: "Send through" Graph, the Graph host and mailbox, Save, Test SMTP signs in, finds the mailbox and sends', async () => {
    // User.Read.All beside Mail.Send: the Test may look the mailbox up first.
    const client = registerApp(f.stack, { graphRoles: ['Mail.Send', 'User.Read.All'] });
    const { smtp } = oauthSections(f.stack, client);
    await f.saveThroughApi({ smtp }); // OAuth2 over SMTP, as a tenant had it
    await f.openSettingsPage();
    const section = f.smtp();
    const { host, port } = await f.useGraph(section, 'Send through', client.clientSecret);
    expect(await section.getByRole('combobox', { name: 'Security' }).count()).toBe(0);
    expect(await f.field(section, 'Mailbox').inputValue()).toBe(client.mailbox);
    await f.save();
    expect((await f.savedSettings()).smtp).toMatchObject({
      transport: 'graph',
      host,
      port,
    });
    const before = f.stack.graph.stats().sent;
    await f.field(section, 'Send a test email to…').fill(client.mailbox);
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    for (const name of ['Authenticate', 'Open the mailbox', 'Send the test email'])
      await f.step(section, name, 'OK').waitFor();
    expect(f.stack.graph.stats().sent - before).toBe(1);
    await screenshot(f.page, 'settings-graph');
    await f.saveThroughApi({ smtp: { ...smtpSettings(), password: f.sender.password } });
  });

  test('read only: fields disabled, no Save, no Test buttons', async () => {
    const other = await f.pageAs(await createAdminUser(f.app.strapi, { actions: [ACTIONS.read] }));
    await f.openSettingsPage(other);
    const section = f.smtp(other);
    await other.getByText('Your role can view these settings but not change them.').waitFor();
    expect(await f.field(section, 'Host').inputValue()).toBe('127.0.0.1');
    expect(await f.field(section, 'Host').isDisabled()).toBe(true);
    expect(await f.saveButton(other).count()).toBe(0);
    expect(await other.getByRole('button', { name: /^Test / }).count()).toBe(0);
    await other.context().close();
  });

  test('read and test: the Test buttons work on the saved values, no Save', async () => {
    const admin = await createAdminUser(f.app.strapi, { actions: [ACTIONS.read, ACTIONS.test] });
    const other = await f.pageAs(admin);
    await f.openSettingsPage(other);
    const section = f.smtp(other);
    await section.getByRole('button', { name: 'Test SMTP' }).click();
    await section.getByText('The connection works').waitFor();
    expect(await f.saveButton(other).count()).toBe(0);
    await other.context().close();
  });

  test('without the read action: no link, and the no-permission page at the URL', async () => {
    const admin = await createAdminUser(f.app.strapi, { actions: ['admin::users.read'] });
    const other = await f.pageAs(admin);
    await other.goto(f.url('/admin/settings'));
    await other.getByRole('link', { name: 'Users' }).first().waitFor();
    expect(await other.getByRole('link', { name: 'Mail Server' }).count()).toBe(0);
    await other.goto(f.url('/admin/settings/mail-server'));
    await other.getByText("You don't have the permissions to access that content").waitFor();
    expect(await f.smtp(other).count()).toBe(0);
    await other.context().close();
  });
});

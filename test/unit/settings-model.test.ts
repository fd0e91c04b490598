/**
 * The settings' domain model (server/src/settings/): the three shapes of a section (stored,
 * effective, view), config overrides, and the Test's reuse of saved secrets (form-section.ts).
 * Pure functions; the API suites show the same through HTTP.
 */
import { describe, expect, test } from '@jest/globals';
import {
  cloudHosts,
  DEFAULT_AUTHORITY_HOST,
  settingsInputSchema,
  smtpInputSchema,
  type MicrosoftCloud,
} from '../../shared/contracts/settings';
import { scopesFor } from '../../server/src/mail';
import { formSection } from '../../server/src/settings/form-section';
import {
  applyInput,
  emptyStored,
  lockedPaths,
  normaliseStored,
  toEffective,
  toView,
} from '../../server/src/settings/model';
import { destinationChanges } from '../../server/src/settings/destination';
import { tokenSettings } from '../../server/src/services/oauth-token';
import { PluginError } from '../../server/src/errors';
import { rejectionOf } from '../helpers/expect';

const encrypt = (plain: string) => `enc(${plain})`;
const decrypt = (cipher: string) => cipher.replace(/^enc\((.*)\)$/, '$1');
const input = (over: object = {}) =>
  smtpInputSchema.parse({ host: 'smtp.example.test', username: 'u@example.test', ...over });

describe('stored ↔ effective ↔ view', () => {
  test('a new secret is encrypted, an omitted one kept, null clears it', () => {
    const first = applyInput(emptyStored('smtp'), input({ password: 'pw1' }), encrypt);
    expect(first.password).toBe('enc(pw1)');
    const kept = applyInput(first, input(), encrypt);
    expect(kept.password).toBe('enc(pw1)');
    expect(applyInput(kept, input({ password: null }), encrypt).password).toBe(null);
  });

  test('the view says only whether a secret is set', () => {
    const stored = applyInput(emptyStored('smtp'), input({ password: 'pw1' }), encrypt);
    const view = toView('smtp', stored, {});
    expect(view.passwordSet).toBe(true);
    expect(JSON.stringify(view)).not.toContain('pw1');
  });

  test('effective: overrides win, the port follows the security, secrets are decrypted', () => {
    const stored = applyInput(
      emptyStored('smtp'),
      input({ password: 'pw1', security: 'tls' }),
      encrypt
    );
    const effective = toEffective('smtp', stored, { fromName: 'From config' }, decrypt);
    expect([effective.port, effective.password, effective.fromName]).toEqual([
      465,
      'pw1',
      'From config',
    ]);
    // A secret from the config is never decrypted from the row (a stale row cannot break it).
    const fromConfig = toEffective('smtp', stored, { password: 'env-pw' }, () => {
      throw new Error('decrypted');
    });
    expect(fromConfig.password).toBe('env-pw');
    expect(lockedPaths('smtp', { password: 'x', oauth2: { tenantId: 't' } })).toEqual([
      'smtp.password',
      'smtp.oauth2.tenantId',
    ]);
  });

  test('a row written by hand or an older version is completed, never a crash', () => {
    const row = normaliseStored('smtp', {
      host: 'smtp.example.test',
      port: 'not a number',
      password: '',
    });
    expect(row.host).toBe(''); // the invalid row falls back to defaults as a whole
    expect(row.password).toBe(null);
    expect(normaliseStored('imap', null).mailbox).toBe('INBOX');
  });

  test('a section sending through Microsoft Graph defaults to port 443, whatever the security', () => {
    const stored = normaliseStored('smtp', {
      host: 'graph.microsoft.com',
      transport: 'graph',
      security: 'starttls',
      username: 'cms@contoso.example',
    });
    expect(toEffective('smtp', stored, {}, (v) => v).port).toBe(443);
    const smtp = normaliseStored('smtp', { host: 'smtp.example.test', security: 'starttls' });
    expect(toEffective('smtp', smtp, {}, (v) => v).port).toBe(587);
  });

  test('stored secrets are ciphertext: the input schema never judges them', () => {
    const row = normaliseStored('smtp', {
      host: 'smtp.office365.com',
      oauth2: {
        enabled: true,
        credential: 'certificate',
        clientCertificate: 'v1:ciphertext-of-a-pem-bundle',
        certificateThumbprint: 'AB12',
      },
    });
    expect(row.host).toBe('smtp.office365.com');
    expect(row.oauth2).toMatchObject({
      credential: 'certificate',
      clientCertificate: 'v1:ciphertext-of-a-pem-bundle',
      certificateThumbprint: 'AB12',
      clientSecret: null,
    });
  });
});

describe('formSection: what a Test with unsaved values may reuse', () => {
  const saved = toEffective(
    'smtp',
    applyInput(emptyStored('smtp'), input({ password: 'saved-pw' }), encrypt),
    {},
    decrypt
  );

  test('the same destination reuses the saved password', () => {
    expect(formSection('smtp', input({ fromName: 'changed' }), saved, {}).password).toBe(
      'saved-pw'
    );
  });

  test('another destination without the password typed is refused, naming what changed', async () => {
    const err = await rejectionOf(async () =>
      formSection('smtp', input({ port: 2525 }), saved, {})
    );
    expect(err).toBeInstanceOf(PluginError);
    expect((err as PluginError).code).toBe('ESECRETDEST');
    expect((err as PluginError).path).toEqual(['smtp', 'password']);
    expect((err as PluginError).message).toContain('port');
  });

  test('a typed password is used as typed', () => {
    expect(formSection('smtp', input({ port: 2525, password: 'typed' }), saved, {}).password).toBe(
      'typed'
    );
  });

  test('a password the form does not use is withheld without a word', () => {
    const oauth = input({
      port: 2525,
      oauth2: { enabled: true, tenantId: 't', clientId: 'c', clientSecret: 'typed-secret' },
    });
    const section = formSection('smtp', oauth, saved, {});
    expect([section.password, section.oauth2.clientSecret]).toEqual([undefined, 'typed-secret']);
  });

  test('an unreadable saved section binds nothing: a config secret does not follow the form', async () => {
    const err = await rejectionOf(async () =>
      formSection('smtp', input(), null, { password: 'env-pw' })
    );
    expect((err as PluginError).code).toBe('ESECRETDEST');
  });
});

describe('Microsoft clouds', () => {
  const oauth2 = (cloud: MicrosoftCloud, authorityHost = DEFAULT_AUTHORITY_HOST) => ({
    cloud,
    authorityHost,
  });

  test.each([
    ['global', 'login.microsoftonline.com', 'outlook.office365.com', 'graph.microsoft.com'],
    ['usgov', 'login.microsoftonline.us', 'outlook.office365.us', 'graph.microsoft.us'],
    ['usgovdod', 'login.microsoftonline.us', 'outlook-dod.office365.us', 'dod-graph.microsoft.us'],
    [
      'china',
      'login.partner.microsoftonline.cn',
      'partner.outlook.cn',
      'microsoftgraph.chinacloudapi.cn',
    ],
  ] as const)(
    '%s: the authority, the Outlook resource and Graph follow the cloud',
    (cloud, authority, outlook, graph) => {
      // The stored default authority (the global one) follows the cloud chosen.
      expect(cloudHosts(oauth2(cloud))).toStrictEqual({ authority, outlook, graph });
      const scopes = (grant: 'client_credentials' | 'authorization_code') =>
        scopesFor({
          grant,
          tenantId: 't',
          clientId: 'c',
          clientSecret: 's',
          authorityHost: authority,
          resourceHost: cloudHosts(oauth2(cloud)).outlook,
          scopes: [],
        });
      expect(scopes('client_credentials')).toStrictEqual([`https://${outlook}/.default`]);
      expect(scopes('authorization_code')).toStrictEqual([
        `https://${outlook}/IMAP.AccessAsUser.All`,
        `https://${outlook}/SMTP.Send`,
      ]);
    }
  );

  test('an authority override that no cloud names is kept (a proxy, the local platform)', () => {
    expect(cloudHosts(oauth2('usgov', '127.0.0.1:4443')).authority).toBe('127.0.0.1:4443');
    expect(cloudHosts(oauth2('usgov', 'Login.MicrosoftOnline.com')).authority).toBe(
      'login.microsoftonline.us'
    );
    // A row saved before the cloud setting, reaching a national cloud by its authority alone,
    // keeps signing in there (its stored cloud is the default, global).
    expect(cloudHosts(oauth2('global', 'login.microsoftonline.us')).authority).toBe(
      'login.microsoftonline.us'
    );
  });

  test('client credentials refuse a tenant alias; delegated grants accept one', () => {
    const section = (grant: string, tenantId: string) =>
      settingsInputSchema.safeParse({
        smtp: {
          host: 'smtp.office365.com',
          username: 'mailbox@contoso.example',
          oauth2: { enabled: true, grant, tenantId, clientId: 'c' },
        },
      });
    for (const tenant of ['common', 'organizations', 'consumers']) {
      const refused = section('client_credentials', tenant);
      expect(refused.success).toBe(false);
      expect(refused.error?.issues[0]?.path).toStrictEqual(['smtp', 'oauth2', 'tenantId']);
    }
    expect(section('authorization_code', 'organizations').success).toBe(true);
    expect(section('client_credentials', 'contoso.onmicrosoft.com').success).toBe(true);
  });
});

describe('reading through Microsoft Graph', () => {
  const imapGraph = (grant: 'client_credentials' | 'authorization_code', cloud: MicrosoftCloud) =>
    toEffective(
      'imap',
      normaliseStored('imap', {
        host: cloudHosts({ cloud, authorityHost: DEFAULT_AUTHORITY_HOST }).graph,
        transport: 'graph',
        username: 'approvals@contoso.example',
        oauth2: { enabled: true, grant, cloud, tenantId: 't', clientId: 'c' },
      }),
      {},
      (v) => v
    );

  test('the IMAP section reads through IMAP unless Graph is chosen; Graph needs OAuth2', () => {
    expect(normaliseStored('imap', null).transport).toBe('imap');
    const parsed = settingsInputSchema.safeParse({
      imap: { host: 'graph.microsoft.com', transport: 'graph', username: 'a@contoso.example' },
    });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toStrictEqual(['imap', 'oauth2', 'enabled']);
  });

  test.each(['global', 'usgov', 'china'] as const)(
    '%s: a Graph token for reading: .default app-only, Mail.ReadWrite.Shared delegated, port 443',
    (cloud) => {
      const { graph } = cloudHosts({ cloud, authorityHost: DEFAULT_AUTHORITY_HOST });
      const appOnly = imapGraph('client_credentials', cloud);
      expect(appOnly.port).toBe(443);
      expect(tokenSettings(appOnly).scopes).toStrictEqual([`https://${graph}/.default`]);
      expect(tokenSettings(imapGraph('authorization_code', cloud)).scopes).toStrictEqual([
        `https://${graph}/Mail.ReadWrite.Shared`,
      ]);
    }
  );

  test('IMAP and Graph are different destinations for the same host and account', () => {
    const graph = imapGraph('client_credentials', 'global');
    const imap = { ...graph, transport: 'imap' as const };
    expect(destinationChanges(imap, graph)).toStrictEqual(['transport']);
    // 'imap' and a row saved before the choice existed are the same destination.
    const { transport: _t, ...older } = imap;
    expect(destinationChanges(imap, older)).toStrictEqual([]);
  });
});

/**
 * The destination a secret is bound to: every field that decides where a secret goes counts,
 * names that are case-insensitive on the wire are compared so, and nothing else counts.
 */
import crypto from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import {
  describeChanges,
  destinationChanges,
  destinationKey,
  secretsUsed,
  type DestinationSection,
} from '../../server/src/settings/destination';

const base: DestinationSection = {
  host: 'smtp.office365.com',
  port: 587,
  security: 'starttls',
  username: 'mailbox@contoso.example',
  oauth2: {
    enabled: true,
    grant: 'client_credentials',
    cloud: 'global',
    authorityHost: 'login.microsoftonline.com',
    tenantId: 'contoso.onmicrosoft.com',
    clientId: '00000000-0000-0000-0000-00000000000a',
    scopes: ['https://outlook.office365.com/.default'],
  },
};
const change = (over: Partial<DestinationSection>, oauth2: object = {}) => ({
  ...base,
  ...over,
  oauth2: { ...base.oauth2, ...oauth2 },
});

describe('destinationChanges', () => {
  test.each([
    ['transport', change({ transport: 'graph' })],
    ['host', change({ host: 'attacker.example' })],
    ['port', change({ port: 25 })],
    ['security', change({ security: 'none' })],
    ['username', change({ username: 'Mailbox@contoso.example' })],
    ['oauth2.enabled', change({}, { enabled: false })],
    ['oauth2.grant', change({}, { grant: 'password' })],
    ['oauth2.authorityHost', change({}, { authorityHost: 'login.attacker.example' })],
    ['oauth2.tenantId', change({}, { tenantId: 'fabrikam.onmicrosoft.com' })],
    ['oauth2.clientId', change({}, { clientId: '00000000-0000-0000-0000-00000000000b' })],
    ['oauth2.scopes', change({}, { scopes: ['https://graph.microsoft.com/.default'] })],
  ])('%s is part of the destination', (field, other) => {
    expect(destinationChanges(base, other)).toEqual([field]);
    expect(destinationKey('smtp', other)).not.toBe(destinationKey('smtp', base));
  });

  test('another cloud is another destination (another authority and resource)', () => {
    const usgov = change({}, { cloud: 'usgov' });
    expect(destinationChanges(base, usgov)).toEqual(['oauth2.authorityHost', 'oauth2.cloud']);
    expect(destinationKey('smtp', usgov)).not.toBe(destinationKey('smtp', base));
    // With an authority override (a proxy, the local platform) only the resource changes.
    const local = change({}, { authorityHost: '127.0.0.1:4443' });
    expect(
      destinationChanges(local, change({}, { authorityHost: '127.0.0.1:4443', cloud: 'china' }))
    ).toEqual(['oauth2.cloud']);
  });

  test('a key stored before clouds existed still matches the global cloud', () => {
    const o = base.oauth2;
    const before = crypto
      .createHash('sha256')
      .update(
        JSON.stringify([
          'smtp',
          base.host,
          String(base.port),
          base.security,
          base.username,
          'true',
          o.grant,
          o.authorityHost,
          o.tenantId,
          o.clientId,
          JSON.stringify(o.scopes),
        ])
      )
      .digest('hex')
      .slice(0, 32);
    expect(destinationKey('smtp', base)).toBe(before);
  });

  test('the same destination written differently is the same', () => {
    const same = change(
      { host: 'SMTP.Office365.com.' },
      {
        authorityHost: 'Login.MicrosoftOnline.com',
        tenantId: 'Contoso.onmicrosoft.com',
        clientId: '00000000-0000-0000-0000-00000000000A',
      }
    );
    expect(destinationChanges(base, same)).toEqual([]);
    expect(destinationKey('smtp', same)).toBe(destinationKey('smtp', base));
    const bracketed = change({ host: '[::1]' });
    expect(destinationChanges(bracketed, change({ host: '::1' }))).toEqual([]);
  });

  test('the order of scopes does not matter, their content does', () => {
    const two = change({}, { scopes: ['a/.default', 'b/.default'] });
    expect(destinationChanges(two, change({}, { scopes: ['b/.default', 'a/.default'] }))).toEqual(
      []
    );
    expect(destinationChanges(two, change({}, { scopes: ['a/.default'] }))).toEqual([
      'oauth2.scopes',
    ]);
  });

  test('the two sections of one destination have different keys', () => {
    expect(destinationKey('smtp', base)).not.toBe(destinationKey('imap', base));
  });

  test('describeChanges names the fields in words', () => {
    expect(describeChanges(['host'])).toBe('host');
    expect(describeChanges(['host', 'port', 'oauth2.authorityHost'])).toBe(
      'host, port and identity platform host'
    );
  });
});

describe('secretsUsed', () => {
  const none = { password: false, clientSecret: false, clientCertificate: false };
  test.each([
    ['a password login', change({}, { enabled: false }), { ...none, password: true }],
    ['no login', change({ username: '' }, { enabled: false }), none],
    ['client credentials', base, { ...none, clientSecret: true }],
    [
      'client credentials with a certificate',
      change({}, { credential: 'certificate' }),
      { ...none, clientCertificate: true },
    ],
    [
      'the password grant',
      change({}, { grant: 'password' }),
      { ...none, password: true, clientSecret: true },
    ],
    ['an empty section', change({ host: '' }), none],
  ])('%s', (_name, section, expected) => {
    expect(secretsUsed(section)).toEqual(expected);
  });
});

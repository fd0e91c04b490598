/**
 * Issue #15.4, "setup that explains itself", in the pure parts: a URL pasted into a host field
 * (form and API alike), the reasons a saved secret is withheld from a Test (stable codes the
 * page words), and a failed token request naming the host it tried.
 */
import { describe, expect, test } from '@jest/globals';
import {
  authorityHostOf,
  settingsInputSchema,
  smtpInputSchema,
  splitHostInput,
} from '../../shared/contracts/settings';
import {
  connectionTestResultSchema,
  imapTestRequestSchema,
  smtpTestRequestSchema,
} from '../../shared/contracts/connection-test';
import { diagnoseTokenError } from '../../server/src/mail';
import { errorInfo, PluginError } from '../../server/src/errors';
import { formSection } from '../../server/src/settings/form-section';
import { applyInput, emptyStored, toEffective } from '../../server/src/settings/model';
import { rejectionOf } from '../helpers/expect';

describe('splitHostInput: what a pasted host means', () => {
  test.each([
    ['https://mail.example.com:8443', { host: 'mail.example.com', port: 8443 }],
    ['https://mail.example.com/', { host: 'mail.example.com' }],
    ['smtp://mail.example.com:587', { host: 'mail.example.com', port: 587 }],
    ['smtps://mail.example.com', { host: 'mail.example.com', security: 'tls' }],
    ['imaps://imap.example.com:993', { host: 'imap.example.com', port: 993, security: 'tls' }],
    [
      'IMAPS://user@imap.example.com:993/INBOX',
      { host: 'imap.example.com', port: 993, security: 'tls' },
    ],
    ['mail.example.com:2525', { host: 'mail.example.com', port: 2525 }],
    ['mail.example.com/', { host: 'mail.example.com' }],
    ['[::1]:587', { host: '::1', port: 587 }],
    ['  smtp://10.0.0.5:25  ', { host: '10.0.0.5', port: 25 }],
  ])('%s', (pasted, expected) => {
    expect(splitHostInput(pasted)).toStrictEqual(expected);
  });

  test.each(['mail.example.com', '', '127.0.0.1', '::1', 'two words', 'host:port'])(
    'leaves %j alone',
    (value) => {
      expect(splitHostInput(value)).toBeNull();
    }
  );

  test('an authority host keeps host[:port] of a pasted sign-in URL', () => {
    expect(authorityHostOf('https://login.microsoftonline.us/')).toBe('login.microsoftonline.us');
    expect(authorityHostOf('https://127.0.0.1:8443/tenant/oauth2/v2.0/token')).toBe(
      '127.0.0.1:8443'
    );
    expect(authorityHostOf('login.microsoftonline.com')).toBe('login.microsoftonline.com');
  });
});

describe('the API takes a pasted URL apart like the form', () => {
  test('a save: host, port and the implied security come from the URL', () => {
    const parsed = settingsInputSchema.parse({
      smtp: { host: 'smtps://mail.example.com:465', username: 'u@example.com' },
      imap: {
        host: 'imap.example.com',
        oauth2: { authorityHost: 'https://login.microsoftonline.us/' },
      },
    });
    expect(parsed.smtp).toMatchObject({ host: 'mail.example.com', port: 465, security: 'tls' });
    expect(parsed.imap?.oauth2.authorityHost).toBe('login.microsoftonline.us');
  });

  test('a test request too', () => {
    const smtp = smtpTestRequestSchema.parse({ smtp: { host: 'smtp://mail.example.com:2525' } });
    expect(smtp.smtp).toMatchObject({ host: 'mail.example.com', port: 2525 });
    const imap = imapTestRequestSchema.parse({ imap: { host: 'imaps://imap.example.com' } });
    expect(imap.imap).toMatchObject({ host: 'imap.example.com', port: null, security: 'tls' });
  });

  test('a port or security that contradicts the URL is refused on its field', () => {
    const result = settingsInputSchema.safeParse({
      smtp: { host: 'smtps://mail.example.com:465', port: 587, security: 'starttls' },
    });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['smtp.port', 'smtp.security']));
  });

  test('the same port given twice is no conflict; an empty authority host follows the cloud', () => {
    const parsed = settingsInputSchema.parse({
      smtp: { host: 'mail.example.com:587', port: 587, oauth2: { authorityHost: '' } },
    });
    expect(parsed.smtp).toMatchObject({ host: 'mail.example.com', port: 587 });
    expect(parsed.smtp?.oauth2.authorityHost).toBe('');
  });
});

describe('a withheld secret says which part of the destination changed (ESECRETDEST)', () => {
  // The form as the page sends it: the saved values, a change on top.
  const input = (over: object = {}) =>
    smtpInputSchema.parse({
      host: 'smtp.example.test',
      port: 587,
      username: 'u@example.test',
      oauth2: { tenantId: 'tenant-a', clientId: 'client-a' },
      ...over,
    });
  const saved = toEffective(
    'smtp',
    applyInput(emptyStored('smtp'), input({ password: 'pw', oauth2: oauth() }), (v) => v),
    {},
    (v) => v
  );
  function oauth(over: object = {}) {
    return {
      enabled: false,
      tenantId: 'tenant-a',
      clientId: 'client-a',
      clientSecret: 's',
      ...over,
    };
  }
  const refusal = async (form: object) => {
    const err = await rejectionOf(async () => formSection('smtp', input(form), saved, {}));
    expect(err).toBeInstanceOf(PluginError);
    return errorInfo(err);
  };

  test('a changed port only: the port, not the host', async () => {
    const info = await refusal({ port: 2525 });
    expect(info).toMatchObject({
      code: 'ESECRETDEST',
      reason: 'destination-changed',
      changed: ['port'],
      secret: 'password',
    });
  });

  test('host and security together', async () => {
    const info = await refusal({ host: 'other.example.test', security: 'tls' });
    expect(info.changed).toEqual(['host', 'security']);
  });

  test('a changed tenant withholds the client secret, naming the tenant', async () => {
    const saved2 = toEffective(
      'smtp',
      applyInput(emptyStored('smtp'), input({ oauth2: oauth({ enabled: true }) }), (v) => v),
      {},
      (v) => v
    );
    const err = await rejectionOf(async () =>
      formSection(
        'smtp',
        input({ oauth2: { enabled: true, tenantId: 'tenant-b', clientId: 'client-a' } }),
        saved2,
        {}
      )
    );
    expect(errorInfo(err)).toMatchObject({
      reason: 'destination-changed',
      changed: ['oauth2.tenantId'],
      secret: 'clientSecret',
    });
  });

  test('the answer of a Test carries the codes through the shared contract', async () => {
    const info = await refusal({ port: 2525 });
    const parsed = connectionTestResultSchema.parse({
      ok: false,
      source: 'form',
      steps: [],
      durationMs: 0,
      error: info,
    });
    expect(parsed.error?.changed).toEqual(['port']);
  });

  test('an unreadable saved section: its own reason, nothing named as changed', async () => {
    const err = await rejectionOf(async () =>
      formSection('smtp', input(), null, { password: 'env-pw' })
    );
    expect(errorInfo(err)).toMatchObject({ reason: 'saved-unreadable', secret: 'password' });
    expect(errorInfo(err).changed).toBeUndefined();
  });
});

describe('a failed token request names the host it tried', () => {
  test('unreachable identity platform', () => {
    const err = Object.assign(new Error('getaddrinfo ENOTFOUND login.microsoftonline.com'), {
      code: 'ENOTFOUND',
    });
    const e = diagnoseTokenError(err, 'login.microsoftonline.com');
    expect(e.code).toBe('EOAUTH2');
    expect(e.reason).toBe('authority-unreachable');
    expect(e.diagnosis).toContain('login.microsoftonline.com');
  });

  test('any other failure names it too', () => {
    expect(
      diagnoseTokenError(new Error('socket hang up'), 'login.microsoftonline.us').diagnosis
    ).toContain('login.microsoftonline.us');
  });
});

/**
 * diagnose() against real errors wherever they can be produced on loopback: refused and reset
 * connections, OpenSSL reading a plain-text greeting, untrusted and mismatching certificates,
 * an unresolvable name, and nodemailer talking to a scripted SMTP server that answers like
 * Microsoft 365. Assertions are on codes (and that diagnoses exist and differ), never on text.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import dns from 'node:dns';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import XOAuth2 from 'nodemailer/lib/xoauth2';
import { AuthenticationFailure } from 'imapflow';
import {
  MAIL_ERROR_CODES,
  MailError,
  diagnose,
  diagnoseTokenError,
  createTokenSource,
  isTransient,
  toInfo,
  type DiagnoseContext,
} from '../../server/src/mail';

const T = { timeout: 10_000 };
const HOST = '127.0.0.1';

const ctx = (over: Partial<DiagnoseContext> = {}): DiagnoseContext => ({
  protocol: 'smtp',
  step: 'connect',
  endpoint: { host: HOST, port: 587, security: 'starttls' },
  user: 'editor@example.test',
  ...over,
});

/** Resolves with the error a callback-style operation ends with (it must fail). */
function failure(start: (fail: (err: unknown) => void) => void): Promise<any> {
  return new Promise((resolve) => start(resolve));
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port))
  );
}

/**
 * A scripted SMTP server: greets, answers EHLO with AUTH, and replies to other commands from
 * `replies` (matched by prefix); the end of DATA answers `replies['.']`.
 */
async function scriptedSmtp(replies: Record<string, string>) {
  const server = net.createServer((socket) => {
    let inData = false;
    let buffer = '';
    socket.on('error', () => undefined);
    socket.write('220 mx.example.test Microsoft ESMTP MAIL Service ready\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            socket.write(`${replies['.'] ?? '250 2.0.0 OK queued'}\r\n`);
          }
          continue;
        }
        const verb = line.toUpperCase();
        if (verb.startsWith('EHLO')) {
          socket.write('250-mx.example.test\r\n250-AUTH LOGIN XOAUTH2\r\n250 8BITMIME\r\n');
          continue;
        }
        if (verb === 'QUIT') {
          socket.end('221 2.0.0 Bye\r\n');
          continue;
        }
        const key = Object.keys(replies).find((k) => k !== '.' && verb.startsWith(k));
        const reply = key ? replies[key] : '250 2.0.0 OK';
        if (verb === 'DATA' && reply.startsWith('354')) inData = true;
        socket.write(`${reply}\r\n`);
      }
    });
  });
  const port = await listen(server);
  return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** Runs nodemailer against the scripted server and returns the error it ends with. */
async function nodemailerError(
  replies: Record<string, string>,
  run: 'login' | 'oauth2' | 'send'
): Promise<any> {
  const server = await scriptedSmtp(replies);
  const conn = new SMTPConnection({
    host: HOST,
    port: server.port,
    ignoreTLS: true,
    logger: false,
  });
  conn.on('error', () => undefined);
  try {
    await new Promise<void>((resolve, reject) => {
      conn.once('error', reject);
      conn.connect(() => resolve());
    });
    return await failure((fail) => {
      if (run === 'login') conn.login({ user: 'editor@example.test', pass: 'secret-pass' }, fail);
      else if (run === 'oauth2')
        conn.login(
          {
            user: 'editor@example.test',
            oauth2: new XOAuth2({ user: 'editor@example.test', accessToken: 'ey.token' }, false),
          },
          fail
        );
      else
        conn.send(
          { from: 'editor@example.test', to: ['boss@example.test'] },
          'Subject: x\r\n\r\nx',
          fail
        );
    });
  } finally {
    conn.close();
    await server.close();
  }
}

describe('diagnose: network', () => {
  test(
    'a closed loopback port is ECONNECTION',
    async () => {
      const server = net.createServer();
      const port = await listen(server);
      await new Promise<void>((r) => server.close(() => r()));
      const err = await failure((fail) => net.connect(port, HOST).on('error', fail));
      const e = diagnose(err, ctx({ endpoint: { host: HOST, port, security: 'starttls' } }));
      expect(e.code).toBe('ECONNECTION');
      expect(e.diagnosis && e.fix).toBeTruthy();
    },
    T.timeout
  );

  test(
    'a connection reset before the greeting is ECONNECTION',
    async () => {
      const server = net.createServer((s) => s.resetAndDestroy());
      const port = await listen(server);
      const err = await failure((fail) => net.connect(port, HOST).on('error', fail));
      server.close();
      expect(diagnose(err, ctx({ step: 'greeting' })).code).toBe('ECONNECTION');
    },
    T.timeout
  );

  test(
    'an unresolvable .invalid host name is EDNS',
    async () => {
      const err = await dns.promises.lookup('nonexistent.invalid').catch((e: unknown) => e);
      const e = diagnose(
        err,
        ctx({
          step: 'resolve',
          endpoint: { host: 'nonexistent.invalid', port: 587, security: 'starttls' },
        })
      );
      expect(e.code).toBe('EDNS');
      expect(e.fix).toBeTruthy();
    },
    T.timeout
  );

  test(
    'nodemailer giving up on a silent server is ETIMEDOUT',
    async () => {
      const server = net.createServer((s) => s.on('error', () => undefined));
      const port = await listen(server);
      const conn = new SMTPConnection({ host: HOST, port, greetingTimeout: 200, logger: false });
      const err = await failure((fail) => {
        conn.on('error', fail);
        conn.connect();
      });
      conn.close();
      server.close();
      const e = diagnose(
        err,
        ctx({ step: 'greeting', endpoint: { host: HOST, port, security: 'starttls' } })
      );
      expect(e.code).toBe('ETIMEDOUT');
    },
    T.timeout
  );

  test('a connect attempt that is never answered is ETIMEDOUT', () => {
    const err = Object.assign(new Error('Connecting did not complete within 10000 ms'), {
      code: 'ETIMEDOUT',
    });
    const e = diagnose(err, ctx({ step: 'connect' }));
    expect(e.code).toBe('ETIMEDOUT');
    expect(e.fix).toBeTruthy();
  });

  test(
    'an IMAP greeting on the SMTP port is EPROTOCOL',
    async () => {
      const server = net.createServer((s) => s.end('* OK [CAPABILITY IMAP4rev1] ready\r\n'));
      const port = await listen(server);
      const conn = new SMTPConnection({ host: HOST, port, logger: false });
      const err = await failure((fail) => {
        conn.on('error', fail);
        conn.connect();
      });
      conn.close();
      server.close();
      expect(diagnose(err, ctx({ step: 'greeting' })).code).toBe('EPROTOCOL');
    },
    T.timeout
  );
});

describe('diagnose: TLS', () => {
  let dir: string;
  let tlsServer: tls.Server;
  let tlsPort: number;
  let certPem: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mail-diagnose-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
      ],
      { stdio: 'ignore' }
    );
    certPem = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    tlsServer = tls.createServer({
      cert: certPem,
      key: fs.readFileSync(path.join(dir, 'key.pem')),
    });
    tlsServer.on('tlsClientError', () => undefined);
    tlsPort = await listen(tlsServer);
  });

  afterAll(() => {
    tlsServer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const tlsCtx = (host = 'localhost') =>
    ctx({ step: 'tls', endpoint: { host, port: tlsPort, security: 'tls' } });

  test(
    'a self-signed certificate is ETLS',
    async () => {
      const err = await failure((fail) =>
        tls.connect({ host: HOST, port: tlsPort, servername: 'localhost' }).on('error', fail)
      );
      expect(err.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
      expect(diagnose(err, tlsCtx()).code).toBe('ETLS');
    },
    T.timeout
  );

  test(
    'a certificate for another host name is ETLS',
    async () => {
      const err = await failure((fail) =>
        tls
          .connect({ host: HOST, port: tlsPort, servername: 'mail.example.test', ca: certPem })
          .on('error', fail)
      );
      expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(diagnose(err, tlsCtx('mail.example.test')).code).toBe('ETLS');
    },
    T.timeout
  );

  test(
    'implicit TLS against a plain-text greeting is ETLS',
    async () => {
      const plain = net.createServer((s) => {
        s.on('error', () => undefined);
        s.write('220 mx.example.test ESMTP\r\n');
      });
      const port = await listen(plain);
      const err = await failure((fail) =>
        tls.connect({ host: HOST, port, servername: 'localhost' }).on('error', fail)
      );
      plain.close();
      const e = diagnose(
        err,
        ctx({ step: 'tls', endpoint: { host: HOST, port: 587, security: 'tls' } })
      );
      expect(e.code).toBe('ETLS');
      expect(e.fix).toBeTruthy();
    },
    T.timeout
  );

  test('an expired certificate is ETLS', () => {
    const err = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(diagnose(err, tlsCtx()).code).toBe('ETLS');
  });

  test(
    'a server without STARTTLS is ETLS',
    async () => {
      const server = await scriptedSmtp({ STARTTLS: '502 5.5.1 Unrecognized command' });
      const conn = new SMTPConnection({
        host: HOST,
        port: server.port,
        requireTLS: true,
        logger: false,
      });
      const err = await failure((fail) => {
        conn.on('error', fail);
        conn.connect();
      });
      conn.close();
      await server.close();
      expect(diagnose(err, ctx({ step: 'greeting' })).code).toBe('ETLS');
    },
    T.timeout
  );
});

describe('diagnose: authentication and Microsoft 365', () => {
  test(
    'M365 responses get the right codes and distinct diagnoses',
    async () => {
      const cases = [
        {
          reply: {
            AUTH: '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.',
          },
          run: 'login',
          oauth2: false,
          code: 'EAUTH',
        },
        {
          reply: { AUTH: '535 5.7.3 Authentication unsuccessful' },
          run: 'login',
          oauth2: false,
          code: 'EAUTH',
        },
        {
          reply: { AUTH: '535 5.7.3 Authentication unsuccessful' },
          run: 'oauth2',
          oauth2: true,
          code: 'EAUTH',
        },
        {
          reply: {
            AUTH: '550 5.7.30 Basic authentication is not supported for Client Submission.',
          },
          run: 'login',
          oauth2: false,
          code: 'EAUTH',
        },
        {
          reply: { MAIL: '530 5.7.57 Client not authenticated to send mail.' },
          run: 'send',
          oauth2: false,
          code: 'EAUTH',
        },
      ] as const;
      const seen = new Set<string>();
      for (const c of cases) {
        const err = await nodemailerError(c.reply, c.run);
        const e = diagnose(
          err,
          ctx({ step: c.run === 'send' ? 'send' : 'authenticate', oauth2: c.oauth2 })
        );
        expect(e.code).toBe(c.code);
        expect(e.diagnosis && e.fix).toBeTruthy(); // diagnosis and fix are filled in
        expect(typeof e.responseCode).toBe('number');
        seen.add(e.diagnosis).add(e.fix!);
        expect(!e.message.includes('secret-pass') && !e.message.includes('ey.token')).toBeTruthy();
      }
      expect(seen.size).toBe(cases.length * 2); // every M365 case has its own diagnosis and fix
    },
    T.timeout
  );

  test(
    'SendAsDenied after DATA is EENVELOPE, an unknown recipient is EENVELOPE',
    async () => {
      const sendAs = await nodemailerError(
        {
          DATA: '354 go ahead',
          '.': '554 5.2.252 SendAsDenied; editor@example.test not allowed to send as boss@example.test',
        },
        'send'
      );
      expect(diagnose(sendAs, ctx({ step: 'send' })).code).toBe('EENVELOPE');
      const unknown = await nodemailerError({ RCPT: '550 5.1.1 User unknown' }, 'send');
      expect(diagnose(unknown, ctx({ step: 'send' })).code).toBe('EENVELOPE');
      const spam = await nodemailerError(
        { DATA: '354 go ahead', '.': '550 5.7.350 Message rejected as spam' },
        'send'
      );
      expect(diagnose(spam, ctx({ step: 'send' })).code).toBe('EMESSAGE');
    },
    T.timeout
  );

  test(
    '530 at MAIL FROM without a login is EAUTH',
    async () => {
      const err = await nodemailerError({ MAIL: '530 5.7.0 Authentication required' }, 'send');
      expect(diagnose(err, ctx({ step: 'send', user: undefined })).code).toBe('EAUTH');
    },
    T.timeout
  );

  test(
    'a plain 535 is EAUTH; the response never echoes the credentials',
    async () => {
      const err = await nodemailerError(
        { AUTH: '535 5.7.8 Error: authentication failed: AUTH LOGIN ZWRpdG9y' },
        'login'
      );
      const e = diagnose(err, ctx({ step: 'authenticate' }));
      expect(e.code).toBe('EAUTH');
      expect(!JSON.stringify(toInfo(e)).includes('ZWRpdG9y')).toBeTruthy(); // echoed SASL payload is redacted
    },
    T.timeout
  );

  test('imapflow authentication failures are EAUTH, and EOAUTH2 when the token was rejected', () => {
    const plain = Object.assign(new AuthenticationFailure('Authentication failed'), {
      response: 'AUTHENTICATE failed.',
      serverResponseCode: 'AUTHENTICATIONFAILED',
    });
    const imap = ctx({ protocol: 'imap', step: 'authenticate' });
    expect(diagnose(plain, imap).code).toBe('EAUTH');
    expect(diagnose(plain, { ...imap, oauth2: true }).code).toBe('EAUTH');
    const rejected = Object.assign(new AuthenticationFailure('Authentication failed'), {
      oauthError: { status: '401', schemes: 'bearer' },
    });
    expect(diagnose(rejected, { ...imap, oauth2: true }).code).toBe('EOAUTH2');
  });

  test('token source errors: EOAUTH2 MailErrors pass through, MSAL errors become EOAUTH2', () => {
    const own = new MailError('EOAUTH2', 'secret expired', { diagnosis: 'expired', fix: 'renew' });
    expect(diagnose(own, ctx({ step: 'authenticate', oauth2: true }))).toBe(own);
    expect(diagnoseTokenError(own)).toBe(own);
    const msal = Object.assign(
      new Error('invalid_client: AADSTS7000215: Invalid client secret provided.'),
      {
        name: 'ServerError',
        errorCode: 'invalid_client',
        errorMessage: 'AADSTS7000215: Invalid client secret provided.',
      }
    );
    expect(diagnose(msal, ctx({ step: 'authenticate', oauth2: true })).code).toBe('EOAUTH2');
    expect(diagnoseTokenError(new Error('socket hang up')).code).toBe('EOAUTH2');
  });
});

describe('diagnose: mailbox, unknown errors and the registry', () => {
  test('a missing IMAP mailbox is EMAILBOX', () => {
    const err = Object.assign(new Error("Mailbox doesn't exist: Approvals"), { code: 'NotFound' });
    expect(diagnose(err, ctx({ protocol: 'imap', step: 'mailbox' })).code).toBe('EMAILBOX');
  });

  test('an unknown error keeps a generic code and its message', () => {
    const e = diagnose(new Error('something odd'), ctx({ step: 'send' }));
    expect(e.code).toBe('EUNKNOWN');
    expect(e.message).toBe('something odd');
  });

  test('every code has a description and toInfo is plain JSON', () => {
    for (const code of [
      'ECONFIG',
      'EDNS',
      'ECONNECTION',
      'ETIMEDOUT',
      'ETLS',
      'EAUTH',
      'EOAUTH2',
      'EPROTOCOL',
      'EENVELOPE',
      'EMESSAGE',
      'EMAILBOX',
    ]) {
      expect(MAIL_ERROR_CODES[code as keyof typeof MAIL_ERROR_CODES]).toBeTruthy();
    }
    const info = toInfo(
      new MailError('EAUTH', 'x', { diagnosis: 'd', fix: 'f', responseCode: 535 })
    );
    expect(JSON.parse(JSON.stringify(info))).toStrictEqual(info);
  });
});

/**
 * Microsoft 365 as tenants run it (issue #13): each reply below is what Exchange Online or
 * Entra ID answers, scripted on a real SMTP connection; each gets its own stable reason.
 */
describe('diagnose: Microsoft 365 remedies per reply and grant', () => {
  const AUTH_139 = '535 5.7.139 Authentication unsuccessful,';
  test.each([
    [
      `${AUTH_139} SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.`,
      'smtp-auth-disabled',
    ],
    [`${AUTH_139} SmtpClientAuthentication is disabled for the Mailbox.`, 'smtp-auth-disabled'],
    [`${AUTH_139} basic authentication is disabled.`, 'basic-auth-disabled'],
    [
      `${AUTH_139} user is locked by your organization's security defaults policy. Contact your administrator.`,
      'security-defaults',
    ],
    [`${AUTH_139} user is locked by user's account lockout policy.`, 'account-locked'],
    [
      `${AUTH_139} the request did not meet the criteria to be authenticated successfully. Contact your administrator.`,
      'conditional-access',
    ],
  ])(
    '%s → %s',
    async (reply, reason) => {
      const err = await nodemailerError({ AUTH: reply }, 'login');
      const e = diagnose(err, ctx({ step: 'authenticate' }));
      expect([e.code, e.reason]).toStrictEqual(['EAUTH', reason]);
      expect(e.fix).toBeTruthy();
    },
    T.timeout
  );

  test(
    '5.7.139 for the tenant and for one mailbox get different fixes',
    async () => {
      const fixes = new Set<string>();
      for (const where of ['Tenant', 'Mailbox']) {
        const reply = `${AUTH_139} SmtpClientAuthentication is disabled for the ${where}.`;
        fixes.add(diagnose(await nodemailerError({ AUTH: reply }, 'login'), ctx()).fix!);
      }
      expect(fixes.size).toBe(2);
    },
    T.timeout
  );

  test(
    '5.7.3 over OAuth2: service-principal steps for app-only, delegated steps otherwise',
    async () => {
      const err = await nodemailerError(
        { AUTH: '535 5.7.3 Authentication unsuccessful' },
        'oauth2'
      );
      const appOnly = diagnose(err, ctx({ oauth2: true, grant: 'client_credentials' }));
      const delegated = diagnose(err, ctx({ oauth2: true, grant: 'authorization_code' }));
      expect([appOnly.reason, delegated.reason]).toStrictEqual([
        'service-principal',
        'delegated-access',
      ]);
      // Microsoft marks -ServiceId as being deprecated: the steps use -ObjectId.
      expect(appOnly.fix).toContain('-ObjectId');
      expect(appOnly.fix).not.toContain('-ServiceId');
      expect(delegated.fix).not.toContain('New-ServicePrincipal');
    },
    T.timeout
  );

  test(
    'SendAs is only asked for when the From address is not the mailbox itself',
    async () => {
      const err = await nodemailerError(
        { AUTH: '535 5.7.3 Authentication unsuccessful' },
        'oauth2'
      );
      const app = { oauth2: true, grant: 'client_credentials' as const };
      const asItself = diagnose(err, ctx({ ...app, from: 'Editor@example.test' }));
      const asOther = diagnose(err, ctx({ ...app, from: 'news@example.test' }));
      expect(asItself.fix).not.toContain('Add-RecipientPermission');
      expect(asOther.fix).toContain('Add-RecipientPermission');
      expect(asOther.fix).toContain('news@example.test');
    },
    T.timeout
  );

  test('IMAP AUTHENTICATE failed over OAuth2 follows the grant too', () => {
    const failed = Object.assign(new AuthenticationFailure('Authentication failed'), {
      response: 'AUTHENTICATE failed.',
      serverResponseCode: 'AUTHENTICATIONFAILED',
    });
    const imap = ctx({ protocol: 'imap', step: 'authenticate', oauth2: true });
    expect(diagnose(failed, { ...imap, grant: 'client_credentials' }).reason).toBe(
      'service-principal'
    );
    const delegated = diagnose(failed, { ...imap, grant: 'password' });
    expect(delegated.reason).toBe('delegated-access');
    expect(delegated.fix).toContain('IMAP.AccessAsUser.All');
  });

  test(
    '430 4.2.0 STOREDRV mailbox logon failure is permanent, not retried',
    async () => {
      const err = await nodemailerError(
        {
          DATA: '354 go ahead',
          '.': '430 4.2.0 STOREDRV; mailbox logon failure; Cannot open mailbox /o=ExchangeLabs/ou=Exchange Administrative Group.',
        },
        'send'
      );
      const e = diagnose(err, ctx({ step: 'send', oauth2: true, grant: 'client_credentials' }));
      expect([e.code, e.reason, e.responseCode]).toStrictEqual(['EAUTH', 'mailbox-logon', 430]);
      expect(isTransient(e)).toBe(false);
      // A plain 4xx stays transient: the exception is Exchange's reply, not every 430.
      const busy = diagnose(
        await nodemailerError({ DATA: '354 go ahead', '.': '451 4.3.0 try again later' }, 'send'),
        ctx({ step: 'send' })
      );
      expect(isTransient(busy)).toBe(true);
    },
    T.timeout
  );

  test.each([
    // [command, reply, reason]
    ['MAIL FROM', '421 4.7.0 Too many messages, slow down', 'rate-limited'],
    [
      'MAIL FROM',
      '421 4.4.2 Message submission rate for this client has exceeded the configured limit',
      'rate-limited',
    ],
    ['MAIL FROM', '432 4.3.2 Concurrent connections limit exceeded', 'concurrency'],
    ['RCPT TO', '452 4.5.3 Too many recipients', 'too-many-recipients'],
    ['MAIL FROM', '451 4.7.500 Server busy. Please try again later', 'rate-limited'],
    [
      '.',
      '554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message',
      'daily-quota',
    ],
  ])(
    'a throttling reply (%s %s) is ETHROTTLED, retried, never a failure',
    async (command, reply, reason) => {
      const replies: Record<string, string> = { DATA: '354 go ahead', [command]: reply };
      const e = diagnose(await nodemailerError(replies, 'send'), ctx({ step: 'send' }));
      expect([e.code, e.reason]).toStrictEqual(['ETHROTTLED', reason]);
      expect(isTransient(e)).toBe(true);
    },
    T.timeout
  );

  test.each([
    '421 4.3.0 Temporary system problem',
    '421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update your client',
    '421 4.7.0 Error: too many errors',
  ])(
    'a 421 that is not about the rate (%s) is no throttle: it counts as a failure',
    async (reply) => {
      const e = diagnose(
        await nodemailerError({ 'MAIL FROM': reply }, 'send'),
        ctx({ step: 'send' })
      );
      expect(e.code).not.toBe('ETHROTTLED');
    },
    T.timeout
  );

  test(
    '554 5.2.0 SendAsDeniedException is a refused sender',
    async () => {
      const err = await nodemailerError(
        {
          DATA: '354 go ahead',
          '.': '554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception',
        },
        'send'
      );
      const e = diagnose(err, ctx({ step: 'send', from: 'boss@example.test' }));
      expect([e.code, e.reason]).toStrictEqual(['EENVELOPE', 'send-as-denied']);
      expect(e.fix).toContain('boss@example.test');
    },
    T.timeout
  );

  test.each(['530035', '50194', '700022', '90038', '50173', '50076', '53003'])(
    'AADSTS%s has its own diagnosis',
    (n) => {
      const msal = Object.assign(new Error(`invalid_request: AADSTS${n}: Something happened.`), {
        errorCode: 'invalid_request',
        errorMessage: `AADSTS${n}: Something happened.`,
      });
      const e = diagnoseTokenError(msal);
      expect([e.code, e.reason]).toStrictEqual(['EOAUTH2', `AADSTS${n}`]);
    }
  );

  test('the 50173 diagnosis does not blame a password change', () => {
    const e = diagnoseTokenError(
      Object.assign(new Error('invalid_grant: AADSTS50173: The provided grant has expired.'), {
        errorCode: 'invalid_grant',
        errorMessage: 'AADSTS50173: The provided grant has expired.',
      })
    );
    expect(e.diagnosis).not.toMatch(/password/i);
  });

  test.each(['common', 'organizations', 'Consumers'])(
    'client credentials with the tenant "%s": a named error before any request',
    async (tenantId) => {
      const source = createTokenSource({
        grant: 'client_credentials',
        tenantId,
        clientId: '00000000-0000-0000-0000-000000000001',
        clientSecret: 'not-sent',
        // Unreachable on purpose: the check must come before MSAL's first request.
        authorityHost: '127.0.0.1:9',
        scopes: [],
      });
      const err = await source.getAccessToken().catch((e: MailError) => e);
      source.close();
      expect(err).toBeInstanceOf(MailError);
      expect([(err as MailError).code, (err as MailError).reason]).toStrictEqual([
        'EOAUTH2',
        'tenant-not-named',
      ]);
    }
  );
});

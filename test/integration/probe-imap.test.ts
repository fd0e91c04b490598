/**
 * probeImap() against the real test stack: a private Dovecot offering PLAIN, LOGIN and
 * XOAUTH2 only (as Office 365 does), with XOAUTH2 tokens from the local identity platform.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import https from 'node:https';
import net from 'node:net';
import { ImapFlow } from 'imapflow';
import { startMailStack, type MailStack, type MailUser } from '../mailstack';
import { probeImap, type ProbeResult } from '../../server/src/mail';

const T = { timeout: 20_000 };

let stack: MailStack;
let editor: MailUser;

beforeAll(async () => {
  stack = await startMailStack({ imapMechanisms: ['plain', 'login', 'xoauth2'] });
  editor = stack.users.find((u) => u.address === 'editor@example.test')!;
  // A Processed folder and one unread message, so every step has something to find.
  const client = new ImapFlow({
    host: stack.imap.host,
    port: stack.imap.tlsPort,
    secure: true,
    tls: { ca: stack.caPem, servername: 'localhost' },
    auth: { user: editor.address, pass: editor.password },
    logger: false,
  });
  await client.connect();
  await client.mailboxCreate('Processed');
  await client.append('INBOX', 'From: a@example.test\r\nSubject: seeded\r\n\r\nhello\r\n');
  await client.logout();
});

afterAll(async () => {
  await stack?.stop();
});

const step = (r: ProbeResult, name: string) => r.steps.find((s) => s.name === name)!;
const statusOf = (r: ProbeResult) => Object.fromEntries(r.steps.map((s) => [s.name, s.status]));

function assertAllOk(r: ProbeResult) {
  expect(r.ok).toBe(true);
  for (const s of r.steps) expect(s.status).toBe('ok');
}

function assertFailed(r: ProbeResult, code: string, failedStep: string) {
  expect(r.ok).toBe(false);
  expect(r.error?.code).toBe(code);
  expect(r.error?.diagnosis && r.error.fix).toBeTruthy(); // diagnosis and fix
  expect(step(r, failedStep).status).toBe('failed');
  const after = r.steps.slice(r.steps.findIndex((s) => s.name === failedStep) + 1);
  for (const s of after) expect(s.status).toBe('skipped');
}

function accessToken(): Promise<string> {
  const { client, url } = stack.idp;
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: client.clientId,
    client_secret: client.clientSecret,
    scope: 'https://outlook.office365.com/.default',
  }).toString();
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${url}/${client.tenantId}/oauth2/v2.0/token`,
      {
        method: 'POST',
        ca: stack.caPem,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const json = JSON.parse(text);
          if (json.access_token) resolve(json.access_token);
          else reject(new Error(`token request failed: ${text}`));
        });
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as net.AddressInfo).port;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const tls = () => ({ ca: [stack.caPem] });
const password = () => ({ user: editor.address, pass: editor.password });

describe('probeImap against the mail stack', () => {
  for (const security of ['starttls', 'tls'] as const) {
    test(
      `passes every step with ${security}`,
      async () => {
        const port = security === 'tls' ? stack.imap.tlsPort : stack.imap.port;
        const r = await probeImap({
          endpoint: { host: 'localhost', port, security },
          tls: tls(),
          auth: password(),
          processedFolder: 'Processed',
        });
        assertAllOk(r);
        expect(step(r, 'greeting').detail ?? '').toMatch(/AUTH=?.*XOAUTH2|AUTH: .*XOAUTH2/);
        expect(step(r, 'mailbox').detail ?? '').toMatch(/\b1 messages, 1 unseen/);
      },
      T.timeout
    );
  }

  test(
    'a missing processed folder is OK: it will be created when needed (not a warning)',
    async () => {
      const r = await probeImap({
        endpoint: { host: 'localhost', port: stack.imap.tlsPort, security: 'tls' },
        tls: tls(),
        auth: password(),
        processedFolder: 'Approvals/Done',
      });
      expect(r.ok).toBe(true);
      expect(step(r, 'folder').status).toBe('ok');
      expect(step(r, 'folder').detail).toMatch(/Approvals\/Done will be created/);
    },
    T.timeout
  );

  test(
    'rejects a wrong password with EAUTH at the authenticate step',
    async () => {
      const r = await probeImap({
        endpoint: { host: 'localhost', port: stack.imap.port, security: 'starttls' },
        tls: tls(),
        auth: { user: editor.address, pass: 'wrong password' },
      });
      assertFailed(r, 'EAUTH', 'authenticate');
      expect(!JSON.stringify(r).includes('wrong password')).toBeTruthy();
    },
    T.timeout
  );

  test(
    'reports a missing mailbox as EMAILBOX',
    async () => {
      const r = await probeImap({
        endpoint: { host: 'localhost', port: stack.imap.tlsPort, security: 'tls' },
        tls: tls(),
        auth: password(),
        mailbox: 'Approvals',
      });
      assertFailed(r, 'EMAILBOX', 'mailbox');
    },
    T.timeout
  );

  test(
    'reports a closed port as ECONNECTION at the connect step',
    async () => {
      const r = await probeImap({
        endpoint: { host: '127.0.0.1', port: await closedPort(), security: 'tls' },
      });
      assertFailed(r, 'ECONNECTION', 'connect');
    },
    T.timeout
  );

  test(
    'reports SSL/TLS against the STARTTLS port as ETLS at the tls step',
    async () => {
      const r = await probeImap({
        endpoint: { host: 'localhost', port: stack.imap.port, security: 'tls' },
        tls: tls(),
        auth: password(),
      });
      assertFailed(r, 'ETLS', 'tls');
    },
    T.timeout
  );

  for (const security of ['starttls', 'tls'] as const) {
    test(
      `reports an untrusted certificate (${security}, no CA) as ETLS`,
      async () => {
        const port = security === 'tls' ? stack.imap.tlsPort : stack.imap.port;
        const r = await probeImap({
          endpoint: { host: 'localhost', port, security },
          auth: password(),
        });
        assertFailed(r, 'ETLS', 'tls');
      },
      T.timeout
    );
  }

  test(
    'reports a server without STARTTLS as ETLS after a good greeting',
    async () => {
      const server = net.createServer((s) => {
        s.on('error', () => undefined);
        s.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] plain-only server ready\r\n');
        s.on('data', (d) => {
          const tag = d.toString().split(' ')[0];
          s.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK done\r\n`);
        });
      });
      const port = await listen(server);
      try {
        const r = await probeImap({
          endpoint: { host: '127.0.0.1', port, security: 'starttls' },
          auth: password(),
        });
        assertFailed(r, 'ETLS', 'tls');
        expect(step(r, 'greeting').status).toBe('ok');
      } finally {
        server.close();
      }
    },
    T.timeout
  );

  test(
    'survives the server dropping the connection while the token is fetched',
    async () => {
      const server = net.createServer((s) => setTimeout(() => s.resetAndDestroy(), 20));
      const port = await listen(server);
      try {
        const slowToken = () => new Promise<string>((r) => setTimeout(() => r('token'), 300));
        const r = await probeImap({
          endpoint: { host: '127.0.0.1', port, security: 'none' },
          auth: { user: editor.address, getAccessToken: slowToken },
        });
        assertFailed(r, 'ECONNECTION', 'greeting');
      } finally {
        server.close();
      }
    },
    T.timeout
  );

  test(
    'reports an unresolvable host as EDNS at the resolve step',
    async () => {
      const r = await probeImap({
        endpoint: { host: 'nonexistent.invalid', port: 993, security: 'tls' },
      });
      assertFailed(r, 'EDNS', 'resolve');
    },
    T.timeout
  );

  test(
    'logs in with XOAUTH2 using a token from the identity platform',
    async () => {
      const before = stack.idp.tokenRequests();
      const r = await probeImap({
        endpoint: { host: 'localhost', port: stack.imap.tlsPort, security: 'tls' },
        tls: tls(),
        auth: { user: stack.idp.client.mailbox, getAccessToken: accessToken },
      });
      assertAllOk({ ...r, steps: r.steps.filter((s) => s.name !== 'folder') });
      expect(step(r, 'folder').status).toBe('skipped'); // no processed folder configured
      expect(stack.idp.tokenRequests()).toBe(before + 1);
      expect(step(r, 'authenticate').detail ?? '').toMatch(/XOAUTH2/);
    },
    T.timeout
  );

  test(
    'reports a token for another mailbox as a failed login, without the token',
    async () => {
      const r = await probeImap({
        endpoint: { host: 'localhost', port: stack.imap.port, security: 'starttls' },
        tls: tls(),
        auth: { user: editor.address, getAccessToken: accessToken },
      });
      expect(r.ok).toBe(false);
      expect(['EAUTH', 'EOAUTH2'].includes(r.error!.code)).toBeTruthy();
      expect(step(r, 'authenticate').status).toBe('failed');
      expect(!/eyJ[\w-]{10,}/.test(JSON.stringify(r))).toBeTruthy(); // no token in the result
    },
    T.timeout
  );

  test(
    'reports a failing token source as EOAUTH2 after a good greeting',
    async () => {
      const r = await probeImap({
        endpoint: { host: 'localhost', port: stack.imap.tlsPort, security: 'tls' },
        tls: tls(),
        auth: {
          user: editor.address,
          getAccessToken: () => Promise.reject(new Error('AADSTS7000222: expired')),
        },
      });
      assertFailed(r, 'EOAUTH2', 'authenticate');
      expect(step(r, 'greeting').status).toBe('ok');
    },
    T.timeout
  );
});

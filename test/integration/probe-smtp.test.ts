/**
 * probeSmtp() against the real test stack: smtp-server (shaped like smtp.office365.com) that
 * delivers into Dovecot, and the local identity platform for XOAUTH2. A message the probe
 * sends is read back from Dovecot over IMAP.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import https from 'node:https';
import net from 'node:net';
import { ImapFlow } from 'imapflow';
import { startMailStack, type MailStack, type MailUser } from '../mailstack';
import { MailError, probeSmtp, type ProbeResult } from '../../server/src/mail';

const T = { timeout: 20_000 };

let stack: MailStack;
let editor: MailUser;
let approver: MailUser;

beforeAll(async () => {
  stack = await startMailStack();
  editor = stack.users.find((u) => u.address === 'editor@example.test')!;
  approver = stack.users.find((u) => u.address === 'approver@example.test')!;
});

afterAll(async () => {
  await stack?.stop();
});

const step = (r: ProbeResult, name: string) => r.steps.find((s) => s.name === name)!;
const statusOf = (r: ProbeResult) => Object.fromEntries(r.steps.map((s) => [s.name, s.status]));

function assertAllOk(r: ProbeResult) {
  expect(r.ok).toBe(true);
  expect(r.error).toBe(undefined);
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

/** A client-credentials token from the stack's identity platform, over https with its CA. */
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

/** Reads the user's INBOX and returns the Message-IDs found there. */
async function inboxMessageIds(user: MailUser): Promise<string[]> {
  const client = new ImapFlow({
    host: stack.imap.host,
    port: stack.imap.tlsPort,
    secure: true,
    tls: { ca: stack.caPem, servername: 'localhost' },
    auth: { user: user.address, pass: user.password },
    logger: false,
  });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const ids: string[] = [];
      if ((client.mailbox as { exists: number }).exists === 0) return ids;
      for await (const m of client.fetch('1:*', { envelope: true })) {
        if (m.envelope?.messageId) ids.push(m.envelope.messageId);
      }
      return ids;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

const sentMessageId = (r: ProbeResult) =>
  step(r, 'send').detail?.match(/Message-ID (<[^>]+>)/)?.[1];

describe('probeSmtp against the mail stack', () => {
  for (const security of ['starttls', 'tls'] as const) {
    test(
      `passes every step with ${security} and delivers the test message`,
      async () => {
        const port = security === 'tls' ? stack.smtp.tlsPort : stack.smtp.port;
        const accepted = stack.smtpAccepted();
        const r = await probeSmtp({
          endpoint: { host: 'localhost', port, security },
          tls: { ca: [stack.caPem] },
          auth: { user: editor.address, pass: editor.password },
          send: { from: editor.address, to: approver.address, subject: `probe ${security}` },
        });
        assertAllOk(r);
        expect(step(r, 'tls').detail ?? '').toMatch(/TLSv1\.[23]/);
        expect(step(r, 'greeting').detail ?? '').toMatch(/AUTH: .*PLAIN/);
        expect(stack.smtpAccepted()).toBe(accepted + 1);
        const messageId = sentMessageId(r);
        expect(messageId).toBeTruthy(); // send detail names the Message-ID
        expect((await inboxMessageIds(approver)).includes(messageId!)).toBeTruthy(); // message is in Dovecot
      },
      T.timeout
    );
  }

  test(
    'rejects a wrong password with EAUTH at the authenticate step',
    async () => {
      const r = await probeSmtp({
        endpoint: { host: 'localhost', port: stack.smtp.port, security: 'starttls' },
        tls: { ca: [stack.caPem] },
        auth: { user: editor.address, pass: 'wrong password' },
        send: { from: editor.address, to: approver.address },
      });
      assertFailed(r, 'EAUTH', 'authenticate');
      expect(r.error?.responseCode).toBe(535);
      expect(!JSON.stringify(r).includes('wrong password')).toBeTruthy(); // the password appears nowhere
    },
    T.timeout
  );

  test(
    'reports a closed port as ECONNECTION at the connect step',
    async () => {
      const r = await probeSmtp({
        endpoint: { host: '127.0.0.1', port: await closedPort(), security: 'starttls' },
      });
      assertFailed(r, 'ECONNECTION', 'connect');
    },
    T.timeout
  );

  test(
    'reports a server that never greets as ETIMEDOUT, within the timeout',
    async () => {
      const silent = net.createServer((s) => s.on('error', () => undefined));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
      const { port } = silent.address() as net.AddressInfo;
      try {
        const r = await probeSmtp({
          endpoint: { host: '127.0.0.1', port, security: 'starttls' },
          timeoutMs: 300,
        });
        assertFailed(r, 'ETIMEDOUT', 'greeting');
        expect(r.durationMs < 3000).toBeTruthy();
      } finally {
        silent.close();
      }
    },
    T.timeout
  );

  test(
    'reports SSL/TLS against the STARTTLS port as ETLS at the tls step',
    async () => {
      const r = await probeSmtp({
        endpoint: { host: 'localhost', port: stack.smtp.port, security: 'tls' },
        tls: { ca: [stack.caPem] },
      });
      assertFailed(r, 'ETLS', 'tls');
    },
    T.timeout
  );

  for (const security of ['starttls', 'tls'] as const) {
    test(
      `reports an untrusted certificate (${security}, no CA) as ETLS`,
      async () => {
        const port = security === 'tls' ? stack.smtp.tlsPort : stack.smtp.port;
        const r = await probeSmtp({ endpoint: { host: 'localhost', port, security } });
        assertFailed(r, 'ETLS', 'tls');
        if (security === 'starttls') expect(step(r, 'greeting').status).toBe('ok');
      },
      T.timeout
    );
  }

  test(
    'reports an unresolvable host as EDNS at the resolve step',
    async () => {
      const r = await probeSmtp({
        endpoint: { host: 'nonexistent.invalid', port: 587, security: 'starttls' },
      });
      assertFailed(r, 'EDNS', 'resolve');
    },
    T.timeout
  );

  test(
    'reports a plain-text session as skipped TLS, and the refused login as EAUTH',
    async () => {
      const r = await probeSmtp({
        endpoint: { host: 'localhost', port: stack.smtp.port, security: 'none' },
        auth: { user: editor.address, pass: editor.password },
      });
      expect(step(r, 'tls').status).toBe('skipped');
      expect(step(r, 'tls').detail ?? '').toMatch(/clear text/);
      assertFailed(r, 'EAUTH', 'authenticate');
    },
    T.timeout
  );

  test(
    'logs in with XOAUTH2 using a token from the identity platform',
    async () => {
      const before = stack.idp.tokenRequests();
      let calls = 0;
      const r = await probeSmtp({
        endpoint: { host: 'localhost', port: stack.smtp.port, security: 'starttls' },
        tls: { ca: [stack.caPem] },
        auth: { user: stack.idp.client.mailbox, getAccessToken: () => (calls++, accessToken()) },
        send: { from: stack.idp.client.mailbox, to: approver.address },
      });
      assertAllOk(r);
      expect(calls).toBe(1); // token fetched once, right before the login
      expect(stack.idp.tokenRequests()).toBe(before + 1);
      expect(step(r, 'authenticate').detail ?? '').toMatch(/XOAUTH2/);
    },
    T.timeout
  );

  test(
    'passes an EOAUTH2 MailError from the token source through unchanged',
    async () => {
      const tokenError = new MailError('EOAUTH2', 'client secret expired', {
        diagnosis: 'The client secret has expired.',
        fix: 'Create a new client secret.',
      });
      const r = await probeSmtp({
        endpoint: { host: 'localhost', port: stack.smtp.port, security: 'starttls' },
        tls: { ca: [stack.caPem] },
        auth: { user: stack.idp.client.mailbox, getAccessToken: () => Promise.reject(tokenError) },
      });
      assertFailed(r, 'EOAUTH2', 'authenticate');
      expect(r.error?.diagnosis).toBe(tokenError.diagnosis);
    },
    T.timeout
  );

  test(
    'reports a server-rejected token as EAUTH and never shows the token',
    async () => {
      const r = await probeSmtp({
        endpoint: { host: 'localhost', port: stack.smtp.tlsPort, security: 'tls' },
        tls: { ca: [stack.caPem] },
        auth: { user: editor.address, getAccessToken: accessToken }, // token is for another mailbox
      });
      assertFailed(r, 'EAUTH', 'authenticate');
      expect(!/eyJ[\w-]{10,}/.test(JSON.stringify(r))).toBeTruthy(); // no token in the result
    },
    T.timeout
  );

  test(
    'returns ECONFIG for an invalid port instead of throwing',
    async () => {
      const r = await probeSmtp({ endpoint: { host: 'localhost', port: 0, security: 'tls' } });
      assertFailed(r, 'ECONFIG', 'resolve');
    },
    T.timeout
  );
});

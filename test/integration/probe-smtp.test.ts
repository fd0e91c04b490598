/**
 * probeSmtp() against the real test stack: smtp-server (shaped like smtp.office365.com) that
 * delivers into Dovecot, and the local identity platform for XOAUTH2. A message the probe
 * sends is read back from Dovecot over IMAP.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import net from 'node:net';
import { ImapFlow } from 'imapflow';
import { startMailStack, type MailStack, type MailUser } from '../mailstack';
import { MailError, probeSmtp, type ProbeResult } from '../../server/src/mail';

const T = { timeout: 20_000 };

let stack: MailStack;
let editor: MailUser;
let approver: MailUser;

before(async () => {
  stack = await startMailStack();
  editor = stack.users.find((u) => u.address === 'editor@example.test')!;
  approver = stack.users.find((u) => u.address === 'approver@example.test')!;
});

after(async () => {
  await stack?.stop();
});

const step = (r: ProbeResult, name: string) => r.steps.find((s) => s.name === name)!;
const statusOf = (r: ProbeResult) => Object.fromEntries(r.steps.map((s) => [s.name, s.status]));

function assertAllOk(r: ProbeResult) {
  assert.equal(r.ok, true, JSON.stringify(r.error));
  assert.equal(r.error, undefined);
  for (const s of r.steps) assert.equal(s.status, 'ok', `${s.name}: ${s.detail}`);
}

function assertFailed(r: ProbeResult, code: string, failedStep: string) {
  assert.equal(r.ok, false);
  assert.equal(r.error?.code, code, JSON.stringify(r.error));
  assert.ok(r.error?.diagnosis && r.error.fix, 'diagnosis and fix');
  assert.equal(step(r, failedStep).status, 'failed', JSON.stringify(statusOf(r)));
  const after = r.steps.slice(r.steps.findIndex((s) => s.name === failedStep) + 1);
  for (const s of after) assert.equal(s.status, 'skipped', s.name);
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
    test(`passes every step with ${security} and delivers the test message`, T, async () => {
      const port = security === 'tls' ? stack.smtp.tlsPort : stack.smtp.port;
      const accepted = stack.smtpAccepted();
      const r = await probeSmtp({
        endpoint: { host: 'localhost', port, security },
        tls: { ca: [stack.caPem] },
        auth: { user: editor.address, pass: editor.password },
        send: { from: editor.address, to: approver.address, subject: `probe ${security}` },
      });
      assertAllOk(r);
      assert.match(step(r, 'tls').detail ?? '', /TLSv1\.[23]/);
      assert.match(step(r, 'greeting').detail ?? '', /AUTH: .*PLAIN/);
      assert.equal(stack.smtpAccepted(), accepted + 1);
      const messageId = sentMessageId(r);
      assert.ok(messageId, 'send detail names the Message-ID');
      assert.ok((await inboxMessageIds(approver)).includes(messageId!), 'message is in Dovecot');
    });
  }

  test('rejects a wrong password with EAUTH at the authenticate step', T, async () => {
    const r = await probeSmtp({
      endpoint: { host: 'localhost', port: stack.smtp.port, security: 'starttls' },
      tls: { ca: [stack.caPem] },
      auth: { user: editor.address, pass: 'wrong password' },
      send: { from: editor.address, to: approver.address },
    });
    assertFailed(r, 'EAUTH', 'authenticate');
    assert.equal(r.error?.responseCode, 535);
    assert.ok(!JSON.stringify(r).includes('wrong password'), 'the password appears nowhere');
  });

  test('reports a closed port as ECONNECTION at the connect step', T, async () => {
    const r = await probeSmtp({
      endpoint: { host: '127.0.0.1', port: await closedPort(), security: 'starttls' },
    });
    assertFailed(r, 'ECONNECTION', 'connect');
  });

  test('reports a server that never greets as ETIMEDOUT, within the timeout', T, async () => {
    const silent = net.createServer((s) => s.on('error', () => undefined));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const r = await probeSmtp({
        endpoint: { host: '127.0.0.1', port, security: 'starttls' },
        timeoutMs: 300,
      });
      assertFailed(r, 'ETIMEDOUT', 'greeting');
      assert.ok(r.durationMs < 3000, `took ${r.durationMs} ms`);
    } finally {
      silent.close();
    }
  });

  test('reports SSL/TLS against the STARTTLS port as ETLS at the tls step', T, async () => {
    const r = await probeSmtp({
      endpoint: { host: 'localhost', port: stack.smtp.port, security: 'tls' },
      tls: { ca: [stack.caPem] },
    });
    assertFailed(r, 'ETLS', 'tls');
  });

  for (const security of ['starttls', 'tls'] as const) {
    test(`reports an untrusted certificate (${security}, no CA) as ETLS`, T, async () => {
      const port = security === 'tls' ? stack.smtp.tlsPort : stack.smtp.port;
      const r = await probeSmtp({ endpoint: { host: 'localhost', port, security } });
      assertFailed(r, 'ETLS', 'tls');
      if (security === 'starttls') assert.equal(step(r, 'greeting').status, 'ok');
    });
  }

  test('reports an unresolvable host as EDNS at the resolve step', T, async () => {
    const r = await probeSmtp({
      endpoint: { host: 'nonexistent.invalid', port: 587, security: 'starttls' },
    });
    assertFailed(r, 'EDNS', 'resolve');
  });

  test(
    'reports a plain-text session as skipped TLS, and the refused login as EAUTH',
    T,
    async () => {
      const r = await probeSmtp({
        endpoint: { host: 'localhost', port: stack.smtp.port, security: 'none' },
        auth: { user: editor.address, pass: editor.password },
      });
      assert.equal(step(r, 'tls').status, 'skipped');
      assert.match(step(r, 'tls').detail ?? '', /clear text/);
      assertFailed(r, 'EAUTH', 'authenticate');
    }
  );

  test('logs in with XOAUTH2 using a token from the identity platform', T, async () => {
    const before = stack.idp.tokenRequests();
    let calls = 0;
    const r = await probeSmtp({
      endpoint: { host: 'localhost', port: stack.smtp.port, security: 'starttls' },
      tls: { ca: [stack.caPem] },
      auth: { user: stack.idp.client.mailbox, getAccessToken: () => (calls++, accessToken()) },
      send: { from: stack.idp.client.mailbox, to: approver.address },
    });
    assertAllOk(r);
    assert.equal(calls, 1, 'token fetched once, right before the login');
    assert.equal(stack.idp.tokenRequests(), before + 1);
    assert.match(step(r, 'authenticate').detail ?? '', /XOAUTH2/);
  });

  test('passes an EOAUTH2 MailError from the token source through unchanged', T, async () => {
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
    assert.equal(r.error?.diagnosis, tokenError.diagnosis);
  });

  test('reports a server-rejected token as EAUTH and never shows the token', T, async () => {
    const r = await probeSmtp({
      endpoint: { host: 'localhost', port: stack.smtp.tlsPort, security: 'tls' },
      tls: { ca: [stack.caPem] },
      auth: { user: editor.address, getAccessToken: accessToken }, // token is for another mailbox
    });
    assertFailed(r, 'EAUTH', 'authenticate');
    assert.ok(!/eyJ[\w-]{10,}/.test(JSON.stringify(r)), 'no token in the result');
  });

  test('returns ECONFIG for an invalid port instead of throwing', T, async () => {
    const r = await probeSmtp({ endpoint: { host: 'localhost', port: 0, security: 'tls' } });
    assertFailed(r, 'ECONFIG', 'resolve');
  });
});

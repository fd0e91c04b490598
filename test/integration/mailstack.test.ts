/**
 * Proves the real mail test stack (test/mailstack) with real clients: imapflow, nodemailer,
 * raw IMAP over TLS, node:https and @azure/msal-node. Every TLS connection verifies the
 * server certificate against the stack's CA only.
 *
 *   node --import tsx --test test/integration/mailstack.test.ts
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { expectTruthy, rejectionOf } from '../helpers/expect';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import {
  ConfidentialClientApplication,
  type INetworkModule,
  type NetworkResponse,
} from '@azure/msal-node';
import { ImapFlow } from 'imapflow';
import { SignJWT, decodeJwt, decodeProtectedHeader, generateKeyPair } from 'jose';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { startMailStack, type MailStack, type MailUser } from '../mailstack';

const OUTLOOK_SCOPE = 'https://outlook.office365.com/.default';

let stack: MailStack;
let stopMs = -1;

beforeAll(async () => {
  const t0 = Date.now();
  stack = await startMailStack();
  console.log(`mail stack started in ${Date.now() - t0} ms (${stack.dir})`);
});

afterAll(async () => {
  await stack?.stop(); // idempotent: the last test already stopped it
});

// ---- helpers --------------------------------------------------------------------------------

function user(address: string): MailUser {
  const u = stack.users.find((x) => x.address === address);
  expectTruthy(u);
  return u;
}

function imapClient(
  s: MailStack,
  auth: { user: string; pass?: string; accessToken?: string },
  mode: 'starttls' | 'tls' = 'tls',
  ca: string | null = s.caPem // null: only the system trust store
): ImapFlow {
  return new ImapFlow({
    host: s.imap.host,
    port: mode === 'tls' ? s.imap.tlsPort : s.imap.port,
    secure: mode === 'tls',
    doSTARTTLS: mode === 'starttls' ? true : undefined,
    tls: ca ? { ca } : {},
    auth,
    logger: false,
    disableAutoIdle: true,
  });
}

/** Logs in, or returns the error (never throws). */
async function imapLogin(
  client: ImapFlow
): Promise<(Error & { authenticationFailed?: boolean }) | undefined> {
  try {
    await client.connect();
    return undefined;
  } catch (err) {
    return err as Error;
  } finally {
    client.close();
  }
}

/** Raw IMAP over implicit TLS: greeting capabilities and an AUTHENTICATE XOAUTH2 exchange. */
async function rawImap(
  s: MailStack,
  xoauth2?: { user: string; token: string }
): Promise<{ greeting: string; tagged?: string }> {
  const socket = tls.connect({ host: s.imap.host, port: s.imap.tlsPort, ca: s.caPem });
  socket.setEncoding('utf8');
  let buffer = '';
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let i: number;
    while ((i = buffer.indexOf('\r\n')) >= 0) {
      lines.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 2);
    }
    waiters.splice(0).forEach((w) => w());
  });
  const nextLine = async (): Promise<string> => {
    const deadline = Date.now() + 5000;
    while (lines.length === 0) {
      if (Date.now() > deadline) throw new Error('IMAP: no answer');
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
    return lines.shift()!;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    expect(socket.authorized).toBe(true); // IMAP TLS certificate verified against the stack CA
    const greeting = await nextLine();
    if (!xoauth2) return { greeting };
    const sasl = Buffer.from(
      `user=${xoauth2.user}\x01auth=Bearer ${xoauth2.token}\x01\x01`
    ).toString('base64');
    socket.write(`a1 AUTHENTICATE XOAUTH2 ${sasl}\r\n`);
    for (;;) {
      const line = await nextLine();
      if (line.startsWith('+')) socket.write('\r\n'); // error challenge: acknowledge to get the NO
      if (line.startsWith('a1 ')) return { greeting, tagged: line };
    }
  } finally {
    socket.destroy();
  }
}

/** Cleartext IMAP on the STARTTLS port: greeting, then LOGIN without STARTTLS. */
async function rawPlainImapLogin(
  s: MailStack,
  u: MailUser
): Promise<{ greeting: string; tagged: string }> {
  const socket = net.connect({ host: s.imap.host, port: s.imap.port });
  socket.setEncoding('utf8');
  let text = '';
  const waitFor = (re: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const m = re.exec(text);
        if (m) {
          socket.off('data', onData);
          resolve(m[0]);
        }
      };
      const onData = (chunk: string) => {
        text += chunk;
        check();
      };
      socket.on('data', onData);
      socket.once('error', reject);
      check();
    });
  try {
    const greeting = await waitFor(/^\* OK .*\r\n/m);
    socket.write(`a1 LOGIN "${u.address}" "${u.password}"\r\n`);
    const tagged = await waitFor(/^a1 .*(?=\r\n)/m);
    return { greeting, tagged };
  } finally {
    socket.destroy();
  }
}

/** HTTPS request to the identity platform, trusting only the stack CA. */
function httpsJson(
  url: string,
  opts: { method?: string; form?: Record<string, string>; ca?: string | null } = {}
): Promise<{ status: number; body: any; headers: Record<string, unknown> }> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method: opts.method ?? (body ? 'POST' : 'GET'),
        ca: opts.ca === null ? undefined : (opts.ca ?? stack.caPem), // null: system trust store
        headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), headers: res.headers });
          } catch (err) {
            reject(err);
          }
        });
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function clientCredentialsToken(
  s: MailStack,
  client = s.idp.client,
  scope = OUTLOOK_SCOPE
): Promise<string> {
  const res = await httpsJson(`${s.idp.url}/${client.tenantId}/oauth2/v2.0/token`, {
    ca: s.caPem,
    form: {
      grant_type: 'client_credentials',
      client_id: client.clientId,
      client_secret: client.clientSecret,
      scope,
    },
  });
  expect(res.status).toBe(200);
  expect(res.body.token_type).toBe('Bearer');
  return res.body.access_token as string;
}

/** Same header and claims as `token`, signed by a key the identity platform never used. */
async function forgeWithOtherKey(token: string): Promise<string> {
  const { privateKey } = await generateKeyPair('RS256');
  const header = decodeProtectedHeader(token);
  return new SignJWT(decodeJwt(token))
    .setProtectedHeader(header as { alg: string })
    .sign(privateKey);
}

async function fetchInbox(s: MailStack, u: MailUser) {
  const client = imapClient(s, { user: u.address, pass: u.password });
  await client.connect();
  try {
    const lock = await client.getMailboxLock('INBOX');
    try {
      const messages = [];
      if (client.mailbox && client.mailbox.exists > 0) {
        for await (const m of client.fetch('1:*', { source: true, envelope: true })) {
          messages.push({ subject: m.envelope?.subject, parsed: await simpleParser(m.source!) });
        }
      }
      return messages;
    } finally {
      lock.release();
    }
  } finally {
    await client.logout();
  }
}

function smtpTransport(
  s: MailStack,
  auth: { user: string; pass: string } | { type: 'OAuth2'; user: string; accessToken: string },
  mode: 'starttls' | 'tls' = 'starttls'
) {
  return nodemailer.createTransport({
    host: s.smtp.host,
    port: mode === 'tls' ? s.smtp.tlsPort : s.smtp.port,
    secure: mode === 'tls',
    requireTLS: mode === 'starttls',
    tls: { ca: s.caPem },
    auth,
  });
}

/** MSAL network module trusting the stack CA (NODE_EXTRA_CA_CERTS is read only at start-up). */
function msalNetwork(ca: string): INetworkModule {
  const send = <T>(
    method: string,
    url: string,
    options?: { headers?: Record<string, string>; body?: string }
  ) =>
    new Promise<NetworkResponse<T>>((resolve, reject) => {
      const req = https.request(url, { method, ca, headers: options?.headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: Object.fromEntries(
              Object.entries(res.headers).map(([k, v]) => [k, String(v)])
            ),
            body: JSON.parse(text) as T,
          })
        );
      });
      req.on('error', reject);
      req.end(options?.body);
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

// ---- tests ----------------------------------------------------------------------------------

test('IMAP PLAIN login over STARTTLS and implicit TLS, certificate verified against the CA only', async () => {
  const editor = user('editor@example.test');
  for (const mode of ['starttls', 'tls'] as const) {
    const client = imapClient(stack, { user: editor.address, pass: editor.password }, mode);
    await client.connect();
    try {
      expect(client.secureConnection).toBe(true);
      expect(client.authenticated).toBe(true);
      const box = await client.mailboxOpen('INBOX');
      expect(box.path).toBe('INBOX');
    } finally {
      await client.logout();
    }
  }
  // Before STARTTLS the plain port refuses plaintext logins, like a real server.
  const plain = await rawPlainImapLogin(stack, editor);
  expect(plain.greeting).toMatch(/\bSTARTTLS\b/);
  expect(plain.greeting).toMatch(/\bLOGINDISABLED\b/);
  expect(plain.tagged).toMatch(/^a1 NO \[PRIVACYREQUIRED\]/);
  // Without the CA the same login must fail on certificate verification: verification is real.
  const untrusting = imapClient(
    stack,
    { user: editor.address, pass: editor.password },
    'tls',
    null
  );
  const err = await imapLogin(untrusting);
  expect(err).toBeTruthy(); // login without the CA must fail
  expect(String((err as NodeJS.ErrnoException).code)).toMatch(
    /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/
  );
});

test('IMAP rejects a wrong password at once (authenticationFailed, no penalty delay)', async () => {
  const editor = user('editor@example.test');
  const t0 = Date.now();
  const err = await imapLogin(
    imapClient(stack, { user: editor.address, pass: `${editor.password}x` })
  );
  expectTruthy(err); // login with a wrong password must fail
  expect(err.authenticationFailed).toBe(true);
  expect(Date.now() - t0 < 1500).toBeTruthy();
  // Another user's password, an empty password and an unknown user do not work either.
  for (const [address, pass] of [
    [editor.address, user('approver@example.test').password],
    [editor.address, ''],
    ['ghost@example.test', editor.password],
  ] as const) {
    const e = await imapLogin(imapClient(stack, { user: address, pass }));
    expect(e?.authenticationFailed).toBe(true);
  }
});

test('SMTP (STARTTLS + PLAIN): the message is in the INBOX when sendMail resolves', async () => {
  const editor = user('editor@example.test');
  const approver = user('approver@example.test');
  const token = randomBytes(12).toString('hex');
  const acceptedBefore = stack.smtpAccepted();
  const transport = smtpTransport(stack, { user: editor.address, pass: editor.password });
  const info = await transport.sendMail({
    from: editor.address,
    to: approver.address,
    subject: `Approval ${token}`,
    text: `Please approve. Token: ${token}\n`,
  });
  transport.close();
  expect(info.response).toMatch(/^250 /);
  expect(info.accepted).toStrictEqual([approver.address]);
  expect(stack.smtpAccepted()).toBe(acceptedBefore + 1);

  // No polling: it must already be there.
  const inbox = await fetchInbox(stack, approver);
  const found = inbox.filter((m) => m.subject === `Approval ${token}`);
  expect(found.length).toBe(1); // exactly one delivered copy
  expect(found[0]!.parsed.text?.includes(`Token: ${token}`)).toBeTruthy(); // body token round-trips
  expect(found[0]!.parsed.from?.value[0]?.address).toBe(editor.address);
});

test('SMTP: implicit TLS works, AUTH before STARTTLS and bad passwords are refused', async () => {
  const editor = user('editor@example.test');
  const token = randomBytes(8).toString('hex');
  const implicit = smtpTransport(stack, { user: editor.address, pass: editor.password }, 'tls');
  await implicit.sendMail({
    from: editor.address,
    to: editor.address,
    subject: `self ${token}`,
    text: token,
  });
  implicit.close();
  expect((await fetchInbox(stack, editor)).some((m) => m.subject === `self ${token}`)).toBeTruthy();

  // ignoreTLS: the client tries to AUTH on the cleartext connection -> 538
  const cleartext = nodemailer.createTransport({
    host: stack.smtp.host,
    port: stack.smtp.port,
    secure: false,
    ignoreTLS: true,
    auth: { user: editor.address, pass: editor.password },
  });
  {
    const err: any = await rejectionOf(
      cleartext.sendMail({ from: editor.address, to: editor.address, text: 'x' })
    );
    expect(err.responseCode).toBe(538);
  }
  cleartext.close();

  const wrong = smtpTransport(stack, { user: editor.address, pass: 'wrong' });
  {
    const err: any = await rejectionOf(
      wrong.sendMail({ from: editor.address, to: editor.address, text: 'x' })
    );
    expect(err.responseCode).toBe(535);
    expect(err.response).toMatch(/^535 5\.7\.3 Authentication unsuccessful/);
  }
  wrong.close();

  // A client that does not trust the CA aborts the handshake on both ports (and the server
  // survives that: stop() at the end must still work).
  for (const mode of ['starttls', 'tls'] as const) {
    const untrusting = nodemailer.createTransport({
      host: stack.smtp.host,
      port: mode === 'tls' ? stack.smtp.tlsPort : stack.smtp.port,
      secure: mode === 'tls',
      requireTLS: mode === 'starttls',
      auth: { user: editor.address, pass: editor.password },
    });
    {
      const err: any = await rejectionOf(
        untrusting.sendMail({ from: editor.address, to: editor.address, text: 'x' })
      );
      expect(err.message).toMatch(/certificate/i);
    }
    untrusting.close();
  }

  const unknownRcpt = smtpTransport(stack, { user: editor.address, pass: editor.password });
  {
    const err: any = await rejectionOf(
      unknownRcpt.sendMail({ from: editor.address, to: 'nobody@example.test', text: 'x' })
    );
    expect(err.responseCode).toBe(550);
  }
  unknownRcpt.close();
});

test('client-credentials token works for IMAP (XOAUTH2, OAUTHBEARER) and SMTP XOAUTH2; a forged one does not', async () => {
  const mailbox = stack.idp.client.mailbox;
  expect(mailbox).toBe('mailbox@example.test');
  const before = stack.idp.tokenRequests();
  const token = await clientCredentialsToken(stack);
  expect(stack.idp.tokenRequests()).toBe(before + 1);

  const header = decodeProtectedHeader(token);
  const claims = decodeJwt(token);
  expect(header.alg).toBe('RS256');
  expect(header.typ).toBe('JWT');
  expect(header.kid).toBeTruthy();
  expect(claims.email).toBe(mailbox);
  expect(claims.azp).toBe(stack.idp.client.clientId);
  expect(claims.tid).toBe(stack.idp.client.tenantId);
  expect(claims.aud).toBe('https://outlook.office365.com');
  expect(claims.iss).toBe(stack.idp.issuer!(stack.idp.client.tenantId));
  expect(claims.exp! - claims.iat! === 3600).toBeTruthy();

  // The JWKS published by the identity platform has that kid.
  const jwks = await httpsJson(`${stack.idp.url}/${stack.idp.client.tenantId}/discovery/v2.0/keys`);
  expect(jwks.body.keys.some((k: { kid: string }) => k.kid === header.kid)).toBeTruthy();

  // IMAP XOAUTH2, spoken raw so the mechanism is certain.
  const ok = await rawImap(stack, { user: mailbox, token });
  expect(ok.tagged!).toMatch(/^a1 OK /);
  // The token is only good for its own mailbox.
  const otherUser = await rawImap(stack, { user: 'editor@example.test', token });
  expect(otherUser.tagged!).toMatch(/^a1 NO \[AUTHENTICATIONFAILED\]/);
  // SMTP XOAUTH2: the mailbox mails itself...
  const subject = `oauth ${randomBytes(6).toString('hex')}`;
  const oauthSmtp = smtpTransport(stack, { type: 'OAuth2', user: mailbox, accessToken: token });
  await oauthSmtp.sendMail({ from: mailbox, to: mailbox, subject, text: subject });
  oauthSmtp.close();
  // ...and imapflow, logged in with the token (it prefers OAUTHBEARER when offered, as by
  // default), finds it in that mailbox's INBOX.
  const viaImapflow = imapClient(stack, { user: mailbox, accessToken: token });
  await viaImapflow.connect();
  try {
    expect(viaImapflow.authenticated).toBe(true);
    await viaImapflow.mailboxOpen('INBOX');
    const found = await viaImapflow.search({ subject }, { uid: true });
    expect(Array.isArray(found) ? found.length : 0).toBe(1); // message sent with XOAUTH2 is in the mailbox
  } finally {
    await viaImapflow.logout();
  }

  // Same header and claims, other signing key: both servers refuse.
  const forged = await forgeWithOtherKey(token);
  expect(decodeJwt(forged)).toStrictEqual(claims);
  const forgedImap = await rawImap(stack, { user: mailbox, token: forged });
  expect(forgedImap.tagged!).toMatch(/^a1 NO \[AUTHENTICATIONFAILED\]/);
  const forgedImapflow = await imapLogin(imapClient(stack, { user: mailbox, accessToken: forged }));
  expect(forgedImapflow?.authenticationFailed).toBe(true);
  const forgedSmtp = smtpTransport(stack, { type: 'OAuth2', user: mailbox, accessToken: forged });
  {
    const err: any = await rejectionOf(
      forgedSmtp.sendMail({ from: mailbox, to: 'editor@example.test', text: 'x' })
    );
    expect(err.responseCode).toBe(535);
    expect(err.response).toMatch(/5\.7\.3 Authentication unsuccessful/);
  }
  forgedSmtp.close();

  // A token for another audience (e.g. Graph) is refused too, like Exchange Online does.
  const graphToken = await clientCredentialsToken(
    stack,
    stack.idp.client,
    'https://graph.microsoft.com/.default'
  );
  expect((await rawImap(stack, { user: mailbox, token: graphToken })).tagged!).toMatch(/^a1 NO /);
});

test('identity platform answers like Entra: wrong secret, unknown client/tenant, bad scope', async () => {
  const c = stack.idp.client;
  const tokenUrl = (tenant: string) => `${stack.idp.url}/${tenant}/oauth2/v2.0/token`;
  const before = stack.idp.tokenRequests();

  const wrongSecret = await httpsJson(tokenUrl(c.tenantId), {
    form: {
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: `${c.clientSecret}x`,
      scope: OUTLOOK_SCOPE,
    },
  });
  expect(wrongSecret.status).toBe(401);
  expect(wrongSecret.body.error).toBe('invalid_client');
  expect(wrongSecret.body.error_codes).toStrictEqual([7000215]);
  expect(wrongSecret.body.error_description).toMatch(
    /^AADSTS7000215: Invalid client secret provided\./
  );
  expect(
    wrongSecret.body.trace_id && wrongSecret.body.correlation_id && wrongSecret.body.timestamp
  ).toBeTruthy();

  const unknownClient = await httpsJson(tokenUrl(c.tenantId), {
    form: {
      grant_type: 'client_credentials',
      client_id: '11111111-2222-3333-4444-555555555555',
      client_secret: 'x',
      scope: OUTLOOK_SCOPE,
    },
  });
  expect(unknownClient.status).toBe(400);
  expect(unknownClient.body.error).toBe('unauthorized_client');
  expect(unknownClient.body.error_codes).toStrictEqual([700016]);

  const unknownTenant = await httpsJson(tokenUrl('00000000-0000-0000-0000-000000000000'), {
    form: {
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: OUTLOOK_SCOPE,
    },
  });
  expect(unknownTenant.status).toBe(400);
  expect(unknownTenant.body.error).toBe('invalid_request');
  expect(unknownTenant.body.error_codes).toStrictEqual([90002]);

  const badScope = await httpsJson(tokenUrl(c.tenantId), {
    form: {
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All',
    },
  });
  expect(badScope.status).toBe(400);
  expect(badScope.body.error).toBe('invalid_scope');
  expect(badScope.body.error_codes).toStrictEqual([70011]);

  expect(stack.idp.tokenRequests()).toBe(before); // failures are not counted

  // The discovery document: issuer and endpoints on the authority host (what MSAL checks).
  const oidc = await httpsJson(
    `${stack.idp.url}/${c.tenantId}/v2.0/.well-known/openid-configuration`
  );
  expect(oidc.status).toBe(200);
  for (const k of ['issuer', 'token_endpoint', 'authorization_endpoint', 'jwks_uri']) {
    expect(new URL(oidc.body[k]).host).toBe(stack.idp.authorityHost);
  }
  // Only the stack CA is trusted: without it the request fails.
  await expect(httpsJson(stack.idp.url + '/x', { ca: null }).then(() => undefined)).rejects.toThrow(
    /certificate|self.signed/i
  );
});

test('MSAL confidential client gets a token that logs in to IMAP; wrong secret surfaces AADSTS7000215', async () => {
  const c = stack.idp.client;
  const config = (secret: string) => ({
    auth: {
      clientId: c.clientId,
      clientSecret: secret,
      authority: `${stack.idp.url}/${c.tenantId}`,
      knownAuthorities: [stack.idp.authorityHost],
    },
    system: { networkClient: msalNetwork(stack.caPem) },
  });
  const before = stack.idp.tokenRequests();
  const result = await new ConfidentialClientApplication(
    config(c.clientSecret)
  ).acquireTokenByClientCredential({
    scopes: [OUTLOOK_SCOPE],
  });
  expectTruthy(result?.accessToken);
  expect(stack.idp.tokenRequests()).toBe(before + 1);
  expect((await rawImap(stack, { user: c.mailbox, token: result.accessToken })).tagged!).toMatch(
    /^a1 OK /
  );

  {
    const err: any = await rejectionOf(
      new ConfidentialClientApplication(config('wrong')).acquireTokenByClientCredential({
        scopes: [OUTLOOK_SCOPE],
      })
    );
    expect(`${err.errorCode} ${err.errorMessage}`).toMatch(/invalid_client.*AADSTS7000215/s);
  }
});

test('registerClient: a new tenant and mailbox are usable at once (Dovecot reloaded in-line)', async () => {
  const client = {
    tenantId: '9b0c1a2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
    clientId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
    clientSecret: 'new-secret',
    mailbox: 'reports@example.test',
  };
  stack.idp.registerClient(client);
  expect(stack.users.some((u) => u.address === 'reports@example.test')).toBeTruthy(); // mailbox user created
  const token = await clientCredentialsToken(stack, client);
  expect((await rawImap(stack, { user: client.mailbox, token })).tagged!).toMatch(/^a1 OK /);
  const smtp = smtpTransport(stack, { type: 'OAuth2', user: client.mailbox, accessToken: token });
  await smtp.sendMail({ from: client.mailbox, to: client.mailbox, subject: 'to self', text: 'x' });
  smtp.close();
  // The default client still works after the reload.
  expect(
    (
      await rawImap(stack, {
        user: stack.idp.client.mailbox,
        token: await clientCredentialsToken(stack),
      })
    ).tagged!
  ).toMatch(/^a1 OK /);
});

test('Office 365 mode (imapMechanisms: [xoauth2]): only XOAUTH2 offered, imapflow logs in with a token', async () => {
  const o365 = await startMailStack({ imapMechanisms: ['xoauth2'] });
  try {
    const { greeting } = await rawImap(o365);
    expect(greeting).toMatch(/AUTH=XOAUTH2/);
    expect(greeting).not.toMatch(/AUTH=PLAIN|AUTH=OAUTHBEARER|AUTH=LOGIN/);
    const token = await clientCredentialsToken(o365);
    const client = imapClient(o365, { user: o365.idp.client.mailbox, accessToken: token });
    await client.connect();
    expect(client.authenticated).toBe(true);
    await client.logout();
    const forged = await imapLogin(
      imapClient(o365, {
        user: o365.idp.client.mailbox,
        accessToken: await forgeWithOtherKey(token),
      })
    );
    expect(forged?.authenticationFailed).toBe(true);
    // The other stack's tokens are not accepted here (different key and tenant).
    const foreign = await imapLogin(
      imapClient(o365, {
        user: stack.idp.client.mailbox,
        accessToken: await clientCredentialsToken(stack),
      })
    );
    expect(foreign?.authenticationFailed).toBe(true);
  } finally {
    await o365.stop();
  }
});

test('stop() leaves nothing: ports refuse connections, no Dovecot process, no temp folder', async () => {
  const configFile = stack.dovecot!.configFile;
  const pid = stack.dovecot!.pid;
  const ports = [
    stack.imap.port,
    stack.imap.tlsPort,
    stack.lmtp.port,
    stack.smtp.port,
    stack.smtp.tlsPort,
    Number(new URL(stack.idp.url).port),
  ];

  // Before: the pgrep check below would see it (so its "nothing found" is meaningful).
  const running = spawnSync('pgrep', ['-f', configFile], { encoding: 'utf8' });
  expect(running.status).toBe(0);
  expect(running.stdout.trim().split('\n').map(Number).includes(pid!)).toBeTruthy(); // pgrep finds the master
  const children = spawnSync('pgrep', ['-f', `dovecot-${path.basename(stack.dir)}/`], {
    encoding: 'utf8',
  });
  expect(children.status).toBe(0); // pgrep finds Dovecot children by instance name
  expect((await Promise.all(ports.map(canConnect))).every(Boolean)).toBeTruthy(); // all ports open before stop

  const t0 = Date.now();
  await stack.stop();
  stopMs = Date.now() - t0;
  console.log(`mail stack stopped in ${stopMs} ms`);
  await stack.stop(); // idempotent

  expect(await Promise.all(ports.map(canConnect))).toStrictEqual(ports.map(() => false)); // every port refuses
  expect(spawnSync('pgrep', ['-f', configFile]).status).toBe(1); // no process mentions the config
  // Children carry the instance name (the temp folder's name) in their process titles.
  expect(spawnSync('pgrep', ['-f', `dovecot-${path.basename(stack.dir)}/`]).status).toBe(1); // no Dovecot child left
  // Nor any live member of Dovecot's process group (children have no config path in argv;
  // zombies waiting for init to reap them are not running processes).
  const table = spawnSync('ps', ['-e', '-o', 'pid=,pgid=,stat=,comm='], {
    encoding: 'utf8',
  }).stdout;
  const live = table
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, pgid, stat]) => Number(pgid) === pid && !stat?.startsWith('Z'));
  expect(live).toStrictEqual([]);
  expect(existsSync(stack.dir)).toBe(false); // temp folder removed
});

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

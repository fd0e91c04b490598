/**
 * Helpers of the OAuth2 suites: the settings of a section that logs in with XOAUTH2 against the
 * mail stack, reading a mailbox back over XOAUTH2 (the Office 365 mode offers nothing else), the
 * "Connect account" round trip done with plain HTTP the way a browser would, and the checks that
 * no secret or token leaked into a response or a log.
 */
import { expect } from '@jest/globals';
import https from 'node:https';
import { ImapFlow } from 'imapflow';
import { simpleParser, type ParsedMail } from 'mailparser';
import request from 'supertest';
import type { Core } from '@strapi/strapi';
import type { IdentityClient, MailStack } from '../mailstack/types';
import type { AdminSession } from './admin';
import { clientSecret, guid } from '../mailstack/identity-platform';

export type Grant = 'client_credentials' | 'authorization_code' | 'password';

/** A new app registration in the stack's tenant (a fresh client ID and secret), registered. */
export function registerApp(stack: MailStack, over: Partial<IdentityClient> = {}): IdentityClient {
  const client = {
    tenantId: stack.idp.client.tenantId,
    clientId: guid(),
    clientSecret: clientSecret(),
    mailbox: stack.idp.client.mailbox,
    ...over,
  };
  stack.idp.registerClient(client);
  return client;
}

export function oauthSections(
  stack: MailStack,
  client: IdentityClient,
  opts: {
    grant?: Grant;
    mailbox?: string;
    password?: string;
    tenantId?: string;
    scopes?: string[];
    /** a PEM key + certificate bundle: the credential instead of the client secret */
    certificate?: string;
  } = {}
) {
  const mailbox = opts.mailbox ?? client.mailbox;
  const oauth2 = {
    enabled: true,
    grant: opts.grant ?? 'client_credentials',
    tenantId: opts.tenantId ?? client.tenantId,
    clientId: client.clientId,
    ...(opts.certificate
      ? { credential: 'certificate', clientCertificate: opts.certificate }
      : { clientSecret: client.clientSecret }),
    authorityHost: stack.idp.authorityHost,
    scopes: opts.scopes ?? [],
  };
  const login = opts.password ? { password: opts.password } : {};
  return {
    smtp: {
      host: '127.0.0.1',
      port: stack.smtp.port,
      security: 'starttls',
      username: mailbox,
      ...login,
      fromAddress: mailbox,
      fromName: 'Strapi OAuth2',
      oauth2,
    },
    imap: {
      host: '127.0.0.1',
      port: stack.imap.tlsPort,
      security: 'tls',
      username: mailbox,
      ...login,
      oauth2,
    },
  };
}

/**
 * The IMAP section read through the stack's local Graph by `client` (app-only), with its
 * client secret or, given one, a certificate bundle; replies verified by the stack's authserv-id.
 */
export function graphReadSection(
  stack: {
    graph: { host: string };
    idp: { authorityHost: string };
    authservId: string;
  },
  client: Pick<IdentityClient, 'tenantId' | 'clientId' | 'clientSecret' | 'mailbox'>,
  { certificate }: { certificate?: string } = {}
) {
  const [host, port] = stack.graph.host.split(':');
  return {
    transport: 'graph' as const,
    host: host!,
    port: Number(port),
    username: client.mailbox,
    password: null,
    authservId: stack.authservId,
    oauth2: {
      enabled: true,
      grant: 'client_credentials' as const,
      tenantId: client.tenantId,
      clientId: client.clientId,
      ...(certificate
        ? { credential: 'certificate' as const, clientCertificate: certificate }
        : { clientSecret: client.clientSecret }),
      authorityHost: stack.idp.authorityHost,
    },
  };
}

/**
 * Messages of `user` whose subject contains `subject`, read with an XOAUTH2 login, in every
 * folder: the plugin's approvals job may already have filed a message out of the INBOX.
 */
export async function readWithToken(
  stack: MailStack,
  user: string,
  accessToken: string,
  subject: string
): Promise<ParsedMail[]> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: stack.imap.tlsPort,
    secure: true,
    tls: { ca: [stack.caPem] },
    auth: { user, accessToken },
    logger: false,
  });
  await client.connect();
  try {
    const out: ParsedMail[] = [];
    for (const folder of await client.list()) {
      if (folder.flags.has('\\Noselect')) continue;
      const lock = await client.getMailboxLock(folder.path);
      try {
        const uids = await client.search({ subject }, { uid: true });
        if (!uids || uids.length === 0) continue;
        for await (const msg of client.fetch(uids, { source: true }, { uid: true })) {
          if (msg.source) out.push(await simpleParser(msg.source));
        }
      } finally {
        lock.release();
      }
    }
    return out;
  } finally {
    await client.logout();
  }
}

/** GET/POST against the identity platform, trusting the stack's CA; redirects are not followed. */
export function idpRequest(
  stack: MailStack,
  url: string,
  form?: URLSearchParams
): Promise<{ status: number; location?: string; body: string }> {
  return new Promise((resolve, reject) => {
    const body = form?.toString();
    const req = https.request(
      url,
      {
        method: form ? 'POST' : 'GET',
        ca: stack.caPem,
        headers: form
          ? {
              'Content-Type': 'application/x-www-form-urlencoded',
              'Content-Length': Buffer.byteLength(body!),
            }
          : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, location: res.headers.location, body: text })
        );
      }
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The hidden fields of the sign-in page, so the form can be posted like a browser would. */
function hiddenFields(html: string): URLSearchParams {
  const form = new URLSearchParams();
  const unescape = (s: string) => s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    form.set(m[1]!, unescape(m[2]!));
  }
  return form;
}

export type ConnectOutcome = {
  location: string;
  query: URLSearchParams;
  /** the same callback request again (same URL, same cookie), as a replay would send it */
  replay(): Promise<ConnectOutcome>;
};

export type Tamper = {
  /** changes the state Microsoft sends back */
  state?: (s: string) => string;
  /** the callback arrives without the cookie (another browser) */
  dropCookie?: boolean;
  /** runs between the sign-in and the callback (e.g. the admin logs out) */
  beforeCallback?: () => Promise<unknown>;
};

/**
 * "Connect account" without a browser: POST connect (keeps the cookie), open the sign-in page,
 * post the credentials, follow the redirect to the plugin's callback with the cookie.
 */
export async function connectAccount(
  strapi: Core.Strapi,
  admin: AdminSession,
  stack: MailStack,
  section: 'smtp' | 'imap',
  user: { address: string; password: string },
  tamper: Tamper = {}
): Promise<ConnectOutcome> {
  const http = () => request(strapi.server.httpServer);
  const started = await http()
    .post(`/mail-server/oauth/${section}/connect`)
    .set('Authorization', `Bearer ${admin.token}`)
    .expect(200);
  const cookies = ([] as string[]).concat(started.headers['set-cookie'] ?? []);
  const cookie = cookies.map((c) => c.split(';')[0]).join('; ');
  const page = await idpRequest(stack, started.body.data.authorizeUrl);
  expect(page.status).toBe(200);
  const form = hiddenFields(page.body);
  form.set('loginfmt', user.address);
  form.set('passwd', user.password);
  const action = new URL(started.body.data.authorizeUrl);
  const signedIn = await idpRequest(stack, `${action.origin}${action.pathname}`, form);
  expect(signedIn.status).toBe(302);
  const back = new URL(signedIn.location!);
  if (tamper.state && back.searchParams.get('state')) {
    back.searchParams.set('state', tamper.state(back.searchParams.get('state')!));
  }
  await tamper.beforeCallback?.();
  const callback = async (): Promise<ConnectOutcome> => {
    let req = http().get(`${back.pathname}${back.search}`);
    if (!tamper.dropCookie && cookie) req = req.set('Cookie', cookie);
    const res = await req.expect(302);
    const location = String(res.headers.location);
    return {
      location,
      query: new URL(location, 'http://admin.invalid').searchParams,
      replay: callback,
    };
  };
  return callback();
}

/** A JWT, or an Entra-style refresh token / authorization code, anywhere in the text. */
export const TOKEN_PATTERN = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]+|\b[01]\.A[\w-]{40,}/;

export function assertNoSecrets(what: string, text: string, secrets: string[]): void {
  const found = TOKEN_PATTERN.exec(text);
  expect(found).toBe(null);
  for (const secret of secrets.filter(Boolean)) {
    expect(text.includes(secret)).toBe(false);
  }
}

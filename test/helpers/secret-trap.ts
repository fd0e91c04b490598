/**
 * An attacker's servers on loopback, able to receive every secret the plugin could leak:
 * - an SMTP server (STARTTLS offered, AUTH PLAIN/LOGIN/XOAUTH2 accepted even in clear) that
 *   records each login: password, access token, and whether the channel was encrypted;
 * - an identity platform in front of the stack's real one (HTTPS with the stack's certificate):
 *   it forwards every request and rewrites the real host to its own in the answers, so MSAL,
 *   once pointed at it, posts its client secrets, passwords and refresh tokens here.
 * A test proves a route leaks nothing by finding nothing here, and proves the trap works by a
 * control that types the secret on purpose and finds it.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { MailStack } from '../mailstack/types';

export interface TrapLogin {
  method: string;
  username: string;
  password?: string;
  accessToken?: string;
  secure: boolean;
}

export interface SecretTrap {
  smtpPort: number;
  /** host:port, what a form puts as the OAuth2 authority host */
  authorityHost: string;
  logins: TrapLogin[];
  /** every request the fake identity platform received: method, URL, headers and body */
  requests: string[];
  /** true when `secret` reached the trap in any form (login, request body, header) */
  received(secret: string): boolean;
  /** anything at all: a login or a request */
  touched(): boolean;
  reset(): void;
  close(): Promise<void>;
}

export async function startSecretTrap(stack: MailStack): Promise<SecretTrap> {
  const tls = path.join(stack.dir, 'tls');
  const cert = fs.readFileSync(path.join(tls, 'server.pem'));
  const key = fs.readFileSync(path.join(tls, 'server.key'));
  const logins: TrapLogin[] = [];
  const requests: string[] = [];

  const smtp = new SMTPServer({
    secure: false,
    key,
    cert,
    authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'],
    allowInsecureAuth: true,
    logger: false,
    closeTimeout: 100,
    onAuth(auth, session, done) {
      logins.push({
        method: auth.method,
        username: auth.username ?? '',
        password: auth.password ?? undefined,
        accessToken: auth.accessToken ?? undefined,
        secure: session.secure,
      });
      done(null, { user: auth.username });
    },
    onData(stream, _session, done) {
      stream.resume();
      stream.on('end', () => done());
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject);
    smtp.listen(0, '127.0.0.1', () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const real = new URL(stack.idp.url);
  const idp = https.createServer({ cert, key }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push(
        `${req.method} ${req.url}\n${JSON.stringify(req.headers)}\n${body.toString('utf8')}`
      );
      const headers = { ...req.headers, host: real.host };
      delete headers['content-length'];
      const forward = https.request(
        {
          host: real.hostname,
          port: real.port,
          path: req.url,
          method: req.method,
          headers: { ...headers, 'content-length': body.length },
          ca: stack.caPem,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            // Discovery documents name the real host: name ours, so the token request comes here.
            const text = Buffer.concat(parts).toString('utf8').split(real.host).join(own);
            const out = { ...answer.headers };
            delete out['content-length'];
            delete out['transfer-encoding'];
            if (out.location) out.location = String(out.location).split(real.host).join(own);
            res.writeHead(answer.statusCode ?? 502, out);
            res.end(text);
          });
        }
      );
      forward.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => idp.listen(0, '127.0.0.1', () => resolve()));
  const own = `127.0.0.1:${(idp.address() as AddressInfo).port}`;

  const texts = () => [
    ...requests.flatMap((r) => [r, safeDecode(r)]),
    ...logins.flatMap((l) => [l.password ?? '', l.accessToken ?? '']),
  ];
  return {
    smtpPort,
    authorityHost: own,
    logins,
    requests,
    received: (secret) => secret !== '' && texts().some((t) => t.includes(secret)),
    touched: () => logins.length > 0 || requests.length > 0,
    reset() {
      logins.length = 0;
      requests.length = 0;
    },
    close: async () => {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
      idp.closeAllConnections();
      await new Promise<void>((resolve) => idp.close(() => resolve()));
    },
  };
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

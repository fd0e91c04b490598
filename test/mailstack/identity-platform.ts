/**
 * A local stand-in for Microsoft Entra ID (login.microsoftonline.com), enough for
 * @azure/msal-node's confidential client, for raw HTTPS clients and for a browser:
 *
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration   OIDC discovery (MSAL reads it first)
 *   GET  /{tenant}/discovery/v2.0/keys                      JWKS
 *   GET  /{tenant}/oauth2/v2.0/authorize                    sign-in page (identity-authorize.ts)
 *   POST /{tenant}/oauth2/v2.0/authorize                    the page's form: redirect with a code
 *   POST /{tenant}/oauth2/v2.0/token                        grants (identity-grants.ts)
 *   GET  /common/discovery/instance                         instance discovery (for completeness)
 *
 * It serves HTTPS with the stack's certificate because MSAL insists on an https authority and
 * checks that the discovery document's issuer has the authority's host. Access tokens are RS256
 * JWTs that Dovecot validates locally with the public key and the SMTP server validates with
 * jose; they carry the mailbox in `email` (see identity-tokens.ts). Users who sign in are the
 * stack's mail users (address + password). Errors use Entra's JSON shape and AADSTS codes.
 */
import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importPKCS8,
  importSPKI,
  jwtVerify,
  type JWTPayload,
} from 'jose';
import { authorizeParams, handleAuthorize } from './identity-authorize';
import { instanceDiscovery, openIdConfiguration } from './identity-discovery';
import { EntraError, aadsts } from './identity-errors';
import {
  createGrants,
  type GrantContext,
  type PendingCode,
  type TokenRequest,
} from './identity-grants';
import { TokenSigner, type SigningKey } from './identity-tokens';
import type { IdentityClient, MailUser } from './types';

export { EntraError } from './identity-errors';
export type { SigningKey } from './identity-tokens';

/**
 * Generated per stack (RSA-2048 takes ~50–150 ms, done in parallel with the certificates).
 * The kid is the key's JWK thumbprint: base64url, so it is a valid file name for Dovecot's key
 * dictionary, and it looks like Entra's kids.
 */
export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    alg: 'RS256',
    kid,
    privateKey,
    publicKey,
    publicJwk,
    publicPem: await exportSPKI(publicKey),
  };
}

/** The signing key as PKCS#8 PEM, to start the same identity platform again later. */
export function exportSigningKey(key: SigningKey): Promise<string> {
  return exportPKCS8(key.privateKey);
}

/** A signing key from `exportSigningKey`: tokens issued with it before stay valid. */
export async function importSigningKey(pem: string): Promise<SigningKey> {
  const publicPem = createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  const publicKey = await importSPKI(publicPem, 'RS256', { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  return {
    alg: 'RS256',
    kid: await calculateJwkThumbprint(publicJwk),
    privateKey: await importPKCS8(pem, 'RS256', { extractable: true }),
    publicKey,
    publicJwk,
    publicPem,
  };
}

/** A GUID-shaped id, like Entra tenant, client and object ids. */
export function guid(): string {
  return randomUUID();
}

/** A secret shaped like Entra's client secret values (`xxx8Q~…`, 40 characters). */
export function clientSecret(): string {
  return `${randomBytes(3).toString('base64url').slice(0, 3)}8Q~${randomBytes(30).toString('base64url').slice(0, 34)}`;
}

export interface IdentityPlatformOptions {
  host: string;
  port: number;
  tls: { cert: string; key: string };
  signingKey: SigningKey;
  tokenLifetimeSec: number;
  clients: IdentityClient[];
  /** the users who can sign in (authorize page, password grant): the stack's mailboxes */
  findUser?: (address: string) => MailUser | undefined;
  /**
   * Called before a client registered later becomes usable, so the mail servers can trust its
   * tokens first (Dovecot key file, issuer list, mailbox).
   */
  onClientRegistered?: (client: IdentityClient) => void;
}

export class IdentityPlatform {
  readonly url: string;
  readonly authorityHost: string;
  private readonly clients = new Map<string, IdentityClient>();
  private readonly tenants = new Set<string>();
  private readonly counts = new Map<string, number>();
  private lifetime: number;
  private server?: https.Server;
  private readonly grantsApi;
  private readonly ctx: GrantContext;
  onClientRegistered?: (client: IdentityClient) => void;

  constructor(private readonly o: IdentityPlatformOptions) {
    this.authorityHost = `${o.host}:${o.port}`;
    this.url = `https://${this.authorityHost}`;
    this.lifetime = o.tokenLifetimeSec;
    for (const c of o.clients) this.addClient(c);
    this.onClientRegistered = o.onClientRegistered;
    this.ctx = {
      client: (tenantId, clientId) => this.clients.get(this.key(tenantId, clientId)),
      tokenEndpoint: (tenantId) => `${this.url}/${tenantId}/oauth2/v2.0/token`,
      findUser: (address) => o.findUser?.(address.trim().toLowerCase()),
      lifetime: () => this.lifetime,
      signer: new TokenSigner(o.signingKey, (t) => this.issuer(t)),
      codes: new Map<string, PendingCode>(),
    };
    this.grantsApi = createGrants(this.ctx);
  }

  /** Entra's v2 issuer for a tenant, on our host. Tokens carry it in `iss`. */
  issuer(tenantId: string): string {
    return `${this.url}/${tenantId.toLowerCase()}/v2.0`;
  }

  issuers(): string[] {
    return [...this.tenants].map((t) => this.issuer(t));
  }

  /** Successful token responses, of one grant type or all. */
  tokenRequests(grantType?: string): number {
    if (grantType) return this.counts.get(grantType) ?? 0;
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  /** Lifetime of the access tokens issued from now on (seconds). */
  setTokenLifetime(seconds: number): void {
    if (!(seconds > 0)) throw new Error('token lifetime must be > 0');
    this.lifetime = seconds;
  }

  /** Revokes refresh tokens (all, or one user's): the next renewal answers AADSTS70008. */
  revokeRefreshTokens(user?: string): number {
    return this.grantsApi.revokeRefreshTokens(user);
  }

  private key(tenantId: string, clientId: string): string {
    return `${tenantId.toLowerCase()}|${clientId.toLowerCase()}`;
  }

  private addClient(c: IdentityClient): void {
    for (const k of ['tenantId', 'clientId', 'clientSecret', 'mailbox'] as const) {
      if (typeof c[k] !== 'string' || !c[k]) throw new Error(`registerClient: ${k} is required`);
    }
    if (/[/\s]/.test(c.tenantId)) throw new Error(`registerClient: invalid tenantId ${c.tenantId}`);
    this.clients.set(this.key(c.tenantId, c.clientId), { ...c });
    this.tenants.add(c.tenantId.toLowerCase());
  }

  /**
   * Adds (or replaces) a client. Synchronous on purpose: when it returns, the token endpoint
   * knows the client and the mail servers trust its tokens (the hook ran), with no request
   * served in between.
   */
  registerClient(client: IdentityClient): void {
    const key = this.key(client.tenantId ?? '', client.clientId ?? '');
    const previous = this.clients.get(key);
    const hadTenant = this.tenants.has(String(client.tenantId).toLowerCase());
    this.addClient(client);
    try {
      this.onClientRegistered?.({ ...client });
    } catch (err) {
      if (previous) this.clients.set(key, previous);
      else this.clients.delete(key);
      if (!hadTenant) this.tenants.delete(client.tenantId.toLowerCase());
      throw err;
    }
  }

  /** Is there a registered client with this id (any tenant)? */
  hasClientId(clientId: string): boolean {
    const id = clientId.toLowerCase();
    return [...this.clients.values()].some((c) => c.clientId.toLowerCase() === id);
  }

  /**
   * Verifies an access token the way the mail servers must: signature with our key, RS256,
   * typ JWT, a known issuer, not expired, optional audience, issued to a registered client.
   * Returns the claims or undefined.
   */
  async verifyAccessToken(token: string, audience?: string): Promise<JWTPayload | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.o.signingKey.publicKey, {
        algorithms: ['RS256'],
        typ: 'JWT',
        issuer: this.issuers(),
        audience: audience || undefined,
        requiredClaims: ['exp', 'sub', 'email'],
      });
      const azp = String(payload.azp ?? payload.appid ?? '');
      if (!azp || !this.hasClientId(azp)) return undefined;
      return payload;
    } catch {
      return undefined;
    }
  }

  // ---- HTTP -----------------------------------------------------------------------------------

  async listen(): Promise<void> {
    const server = https.createServer(
      { cert: this.o.tls.cert, key: this.o.tls.key },
      (req, res) => {
        this.handle(req, res).catch((err) => {
          if (!res.headersSent)
            this.json(res, 500, { error: 'server_error', error_description: String(err) });
          else res.destroy();
        });
      }
    );
    // Keep-alive sockets must not hold stop() up.
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    this.server = server;
    if ((server.address() as AddressInfo).port !== this.o.port)
      throw new Error('identity platform port mismatch');
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  private json(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {}
  ) {
    const payload = JSON.stringify(body);
    res.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(payload),
      'Cache-Control': 'no-store, no-cache',
      Pragma: 'no-cache',
      ...headers,
    });
    res.end(payload);
  }

  private entraError(res: ServerResponse, err: EntraError, correlationId: string): void {
    const traceId = guid();
    const timestamp = new Date()
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, 'Z');
    this.json(
      res,
      err.status,
      {
        error: err.error,
        error_description: `${err.message} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
        error_codes: [err.code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlationId,
        error_uri: `${this.url}/error?code=${err.code}`,
      },
      { 'x-ms-request-id': traceId, 'client-request-id': correlationId }
    );
  }

  private tenantOf(segment: string): string | undefined {
    const t = decodeURIComponent(segment).toLowerCase();
    return this.tenants.has(t) ? t : undefined;
  }

  private async readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit)
        throw new EntraError(413, 'invalid_request', 90015, 'Request body too large.');
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const correlationId = String(req.headers['client-request-id'] ?? guid());
    const parts = url.pathname.split('/').filter(Boolean);
    const method = req.method ?? 'GET';

    if (method === 'GET' && url.pathname === '/common/discovery/instance') {
      const endpoint = url.searchParams.get('authorization_endpoint') ?? '';
      return this.json(res, 200, instanceDiscovery(this.url, this.authorityHost, endpoint));
    }

    const [segment, ...rest] = parts;
    const route = rest.join('/');
    const known = [
      'v2.0/.well-known/openid-configuration',
      'discovery/v2.0/keys',
      'oauth2/v2.0/token',
      'oauth2/v2.0/authorize',
    ];
    if (!segment || !known.includes(route)) {
      return this.json(res, 404, {
        error: 'not_found',
        error_description: `no route ${method} ${url.pathname}`,
      });
    }
    const tenantId = this.tenantOf(segment);

    if (route === 'discovery/v2.0/keys' && method === 'GET') {
      // Entra serves the keys under any tenant (and /common).
      const k = this.o.signingKey;
      return this.json(res, 200, {
        keys: [{ ...k.publicJwk, kid: k.kid, x5t: k.kid, use: 'sig', alg: k.alg }],
      });
    }
    if (route === 'v2.0/.well-known/openid-configuration' && method === 'GET') {
      if (!tenantId) {
        const e = aadsts.tenantNotFound(segment);
        return this.json(res, 400, { error: 'invalid_tenant', error_description: e.message });
      }
      return this.json(
        res,
        200,
        openIdConfiguration(this.url, this.authorityHost, tenantId, this.issuer(tenantId))
      );
    }
    if (route === 'oauth2/v2.0/authorize' && (method === 'GET' || method === 'POST')) {
      const form = method === 'POST' ? new URLSearchParams(await this.readBody(req)) : undefined;
      const params = form ? authorizeParams(form) : url.searchParams;
      return handleAuthorize(this.ctx, res, tenantId, segment, url.pathname, params, form);
    }
    if (route === 'oauth2/v2.0/token' && method === 'POST') {
      try {
        const body = await this.readBody(req);
        if (!tenantId) throw aadsts.tenantNotFound(segment);
        const params = new URLSearchParams(body);
        const grantType = params.get('grant_type');
        if (!grantType) throw aadsts.missingParameter('grant_type');
        const grant = this.grantsApi.grants[grantType];
        if (!grant) throw aadsts.unsupportedGrant(grantType);
        const request: TokenRequest = { tenantId, params, basic: basicAuth(req) };
        const result = await grant(request);
        this.counts.set(grantType, (this.counts.get(grantType) ?? 0) + 1);
        return this.json(res, 200, result, { 'client-request-id': correlationId });
      } catch (err) {
        if (err instanceof EntraError) return this.entraError(res, err, correlationId);
        throw err;
      }
    }
    return this.json(res, 405, {
      error: 'invalid_request',
      error_description: `method ${method} not allowed`,
    });
  }
}

function basicAuth(req: IncomingMessage): TokenRequest['basic'] {
  const m = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return {
    clientId: decodeURIComponent(decoded.slice(0, i)),
    clientSecret: decodeURIComponent(decoded.slice(i + 1)),
  };
}

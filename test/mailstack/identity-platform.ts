/**
 * A local stand-in for Microsoft Entra ID (login.microsoftonline.com), just enough for
 * @azure/msal-node's confidential client and for raw HTTPS clients:
 *
 *   GET  /{tenant}/v2.0/.well-known/openid-configuration   OIDC discovery (MSAL reads it first)
 *   GET  /{tenant}/discovery/v2.0/keys                      JWKS
 *   POST /{tenant}/oauth2/v2.0/token                        token endpoint (grants below)
 *   GET  /common/discovery/instance                         instance discovery (for completeness)
 *
 * It serves HTTPS with the stack's certificate because MSAL insists on an https authority and
 * checks that the discovery document's issuer has the authority's host. Access tokens are RS256
 * JWTs (header typ JWT + kid) that Dovecot validates locally with the public key and the SMTP
 * server validates with jose. Unlike real app-only Exchange tokens, they carry the mailbox in
 * `email`, the claim Dovecot's oauth2 passdb maps to the login name.
 *
 * Errors use Entra's JSON shape and AADSTS codes so that the plugin's error handling sees what
 * it would see in production. New grants (authorization_code, refresh_token, password) are added
 * by writing another entry in `grants`.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import type { IdentityClient } from './types';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

export interface SigningKey {
  alg: 'RS256';
  kid: string;
  privateKey: KeyPair['privateKey'];
  publicKey: KeyPair['publicKey'];
  publicJwk: JWK;
  /** SPKI PEM, the format Dovecot's local validation reads */
  publicPem: string;
}

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

/** A GUID-shaped id, like Entra tenant, client and object ids. */
export function guid(): string {
  return randomUUID();
}

/** A secret shaped like Entra's client secret values (`xxx8Q~…`, 40 characters). */
export function clientSecret(): string {
  return `${randomBytes(3).toString('base64url').slice(0, 3)}8Q~${randomBytes(30).toString('base64url').slice(0, 34)}`;
}

/** Deterministic object id of a client's service principal (stable `sub`/`oid` across tokens). */
function servicePrincipalId(client: IdentityClient): string {
  const h = createHash('sha256').update(`${client.tenantId}|${client.clientId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** An error the token endpoint answers with, in Entra's format. */
export class EntraError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    description: string
  ) {
    super(`AADSTS${code}: ${description}`);
  }
}

const aadsts = {
  tenantNotFound: (tenant: string) =>
    new EntraError(
      400,
      'invalid_request',
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`
    ),
  missingParameter: (name: string) =>
    new EntraError(
      400,
      'invalid_request',
      900144,
      `The request body must contain the following parameter: '${name}'.`
    ),
  unsupportedGrant: (grant: string) =>
    new EntraError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${grant}'.`
    ),
  unknownClient: (clientId: string, tenant: string) =>
    new EntraError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`
    ),
  missingSecret: () =>
    new EntraError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
    ),
  invalidSecret: (clientId: string) =>
    new EntraError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`
    ),
  invalidScope: (scope: string) =>
    new EntraError(
      400,
      'invalid_scope',
      70011,
      `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid. For the client credentials flow the scope must be a single resource followed by '/.default'.`
    ),
};

/** What a grant handler receives. */
interface TokenRequest {
  tenantId: string;
  params: URLSearchParams;
  /** client_id/client_secret from HTTP Basic auth (client_secret_basic), if sent that way */
  basic?: { clientId: string; clientSecret: string };
}

interface TokenResponse {
  token_type: 'Bearer';
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  [extra: string]: unknown;
}

type GrantHandler = (req: TokenRequest) => Promise<TokenResponse>;

export interface IdentityPlatformOptions {
  host: string;
  port: number;
  tls: { cert: string; key: string };
  signingKey: SigningKey;
  tokenLifetimeSec: number;
  clients: IdentityClient[];
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
  private successfulTokens = 0;
  private server?: https.Server;
  onClientRegistered?: (client: IdentityClient) => void;

  /** Supported grants, by `grant_type`. */
  private readonly grants: Record<string, GrantHandler> = {
    client_credentials: (req) => this.clientCredentials(req),
  };

  constructor(private readonly o: IdentityPlatformOptions) {
    this.authorityHost = `${o.host}:${o.port}`;
    this.url = `https://${this.authorityHost}`;
    for (const c of o.clients) this.addClient(c);
    this.onClientRegistered = o.onClientRegistered;
  }

  /** Entra's v2 issuer for a tenant, on our host. Tokens carry it in `iss`. */
  issuer(tenantId: string): string {
    return `${this.url}/${tenantId.toLowerCase()}/v2.0`;
  }

  issuers(): string[] {
    return [...this.tenants].map((t) => this.issuer(t));
  }

  tokenRequests(): number {
    return this.successfulTokens;
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

  // ---- grants ---------------------------------------------------------------------------------

  private async clientCredentials(req: TokenRequest): Promise<TokenResponse> {
    const clientId = req.params.get('client_id') ?? req.basic?.clientId;
    if (!clientId) throw aadsts.missingParameter('client_id');
    const client = this.clients.get(this.key(req.tenantId, clientId));
    if (!client) throw aadsts.unknownClient(clientId, req.tenantId);
    const secret = req.params.get('client_secret') ?? req.basic?.clientSecret;
    if (!secret) throw aadsts.missingSecret();
    if (!sameSecret(secret, client.clientSecret)) throw aadsts.invalidSecret(client.clientId);

    const scope = req.params.get('scope');
    if (!scope) throw aadsts.missingParameter('scope');
    // OIDC scopes are meaningless for app-only tokens; what remains must be one `<resource>/.default`.
    const resources = scope
      .split(/\s+/)
      .filter((s) => s && !['openid', 'profile', 'offline_access', 'email'].includes(s));
    if (
      resources.length !== 1 ||
      !resources[0]!.endsWith('/.default') ||
      resources[0] === '/.default'
    ) {
      throw aadsts.invalidScope(scope);
    }
    const audience = resources[0]!.slice(0, -'/.default'.length);
    return this.issueAccessToken(client, audience, {
      roles: ['IMAP.AccessAsApp', 'SMTP.SendAsApp'],
    });
  }

  /** Signs an app-only access token for `client`. Shared by all grants. */
  private async issueAccessToken(
    client: IdentityClient,
    audience: string,
    extraClaims: Record<string, unknown> = {}
  ): Promise<TokenResponse> {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = this.o.tokenLifetimeSec;
    const oid = servicePrincipalId(client);
    const accessToken = await new SignJWT({
      ...extraClaims,
      azp: client.clientId,
      appid: client.clientId,
      azpacr: '1',
      appidacr: '1',
      email: client.mailbox,
      oid,
      tid: client.tenantId.toLowerCase(),
      idtyp: 'app',
      ver: '2.0',
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: this.o.signingKey.kid })
      .setIssuer(this.issuer(client.tenantId))
      .setSubject(oid)
      .setAudience(audience)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetime)
      .setJti(randomBytes(16).toString('base64url'))
      .sign(this.o.signingKey.privateKey);
    return {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
    };
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
  ): void {
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
    const now = new Date();
    const timestamp = now
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

  private openIdConfiguration(tenantId: string) {
    const base = `${this.url}/${tenantId}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: [
        'client_secret_post',
        'private_key_jwt',
        'client_secret_basic',
      ],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: this.issuer(tenantId),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.url}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: [
        'sub',
        'iss',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'nonce',
        'tid',
        'ver',
        'oid',
        'email',
      ],
      tenant_region_scope: 'EU',
      cloud_instance_name: this.authorityHost,
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: 'graph.microsoft.com',
      rbac_url: 'https://pas.windows.net',
    };
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

    // GET /common/discovery/instance — what MSAL asks login.microsoftonline.com without knownAuthorities.
    if (method === 'GET' && url.pathname === '/common/discovery/instance') {
      const tenant =
        /^https?:\/\/[^/]+\/([^/]+)/.exec(
          url.searchParams.get('authorization_endpoint') ?? ''
        )?.[1] ?? '{tenant}';
      return this.json(res, 200, {
        tenant_discovery_endpoint: `${this.url}/${tenant}/v2.0/.well-known/openid-configuration`,
        'api-version': '1.1',
        metadata: [
          {
            preferred_network: this.authorityHost,
            preferred_cache: this.authorityHost,
            aliases: [this.authorityHost],
          },
        ],
      });
    }

    const [segment, ...rest] = parts;
    const route = rest.join('/');
    const known = [
      'v2.0/.well-known/openid-configuration',
      'discovery/v2.0/keys',
      'oauth2/v2.0/token',
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
      return this.json(res, 200, this.openIdConfiguration(tenantId));
    }
    if (route === 'oauth2/v2.0/token' && method === 'POST') {
      try {
        const body = await this.readBody(req);
        if (!tenantId) throw aadsts.tenantNotFound(segment);
        const params = new URLSearchParams(body);
        const grantType = params.get('grant_type');
        if (!grantType) throw aadsts.missingParameter('grant_type');
        const grant = this.grants[grantType];
        if (!grant) throw aadsts.unsupportedGrant(grantType);
        const result = await grant({ tenantId, params, basic: basicAuth(req) });
        this.successfulTokens++;
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

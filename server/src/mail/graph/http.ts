/**
 * Microsoft Graph over HTTPS, with Node's https (the extra trusted CAs of the settings apply, as
 * for SMTP and IMAP; a Graph SDK would add nothing the few mail calls need). One keep-alive
 * agent per client, so its connections only ever carry this client's trust settings. Every
 * answer that is not 2xx becomes a MailError with Graph's error code as `reason` (errors.ts).
 */
import https from 'node:https';
import { tlsOptions } from '../connection';
import { MailError } from '../errors';
import type { MailAuth, TlsSettings } from '../types';
import { graphAnswerError, graphNetworkError, type GraphAccess } from './errors';

export interface GraphEndpoint {
  /** graph.microsoft.com, a national cloud's Graph host, or a test stand-in (host:port) */
  host: string;
  tls?: TlsSettings;
  timeoutMs: number;
  /** what the client is for: a 403 then names the permission it lacks */
  access?: GraphAccess;
}

export interface GraphCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** a path under /v1.0, or a whole https URL (an upload session's) */
  path: string;
  token?: string;
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * The answer's raw bytes (a message's MIME from `$value`) instead of JSON, read up to this
   * many bytes: a larger body is cut off there and reported `truncated`, never held whole.
   */
  rawUpTo?: number;
}

export interface GraphAnswer {
  status: number;
  json: unknown;
  /** the body, when the call asked for it raw */
  raw?: Buffer;
  truncated?: boolean;
}

export interface GraphClient {
  request(call: GraphCall): Promise<GraphAnswer>;
  close(): void;
}

export type GraphAuth = Extract<MailAuth, { getAccessToken: unknown }>;

/** What a client is for, as the 403 diagnosis needs it: the permission, and the grant's kind. */
export const accessOf = (auth: GraphAuth, permission: GraphAccess['permission']): GraphAccess => ({
  permission,
  delegated: (auth.grant ?? 'client_credentials') !== 'client_credentials',
});

/** A call with a token, renewed once when Graph refused the last one (expired, revoked). */
export async function withToken<T>(auth: GraphAuth, work: (token: string) => Promise<T>) {
  try {
    return await work(await auth.getAccessToken());
  } catch (err) {
    if (!(err instanceof MailError) || err.responseCode !== 401) throw err;
    return work(await auth.getAccessToken({ forceRefresh: true }));
  }
}

export function createGraphClient(endpoint: GraphEndpoint): GraphClient {
  const [hostname, port] = endpoint.host.split(':') as [string, string?];
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 4, // Graph allows 4 concurrent requests per app and mailbox
    ...tlsOptions({ host: hostname, port: Number(port ?? 443), security: 'tls' }, endpoint.tls),
  });

  function request(call: GraphCall, retried = false): Promise<GraphAnswer> {
    const url = call.path.startsWith('https://')
      ? new URL(call.path)
      : new URL(`https://${endpoint.host}/v1.0${call.path}`);
    const body = call.body === undefined ? undefined : Buffer.from(call.body);
    // An upload session's URL may name another host (outlook.office.com): its own connection,
    // with TLS checked against that host, never the Graph agent's.
    const own = url.host === new URL(`https://${endpoint.host}`).host;
    const connection = own
      ? { agent }
      : {
          agent: false as const,
          ...tlsOptions(
            { host: url.hostname, port: Number(url.port || 443), security: 'tls' },
            endpoint.tls
          ),
        };
    return new Promise((resolve, reject) => {
      if (url.protocol !== 'https:') {
        return reject(graphNetworkError(new Error(`not https: ${url.protocol}`), url.host));
      }
      const req = https.request(
        url,
        {
          method: call.method,
          ...connection,
          timeout: endpoint.timeoutMs,
          headers: {
            ...(call.token ? { Authorization: `Bearer ${call.token}` } : {}),
            ...(body ? { 'Content-Type': call.contentType ?? 'application/json' } : {}),
            ...(body ? { 'Content-Length': String(body.length) } : {}),
            ...call.headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const status = res.statusCode ?? 0;
          const limit = call.rawUpTo !== undefined && status >= 200 && status < 300;
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            size += c.length;
            if (limit && size > call.rawUpTo!) {
              // Enough to know it is too large: the rest is not read.
              res.destroy();
              resolve({ status, json: null, raw: Buffer.concat(chunks), truncated: true });
            }
          });
          res.on('end', () => {
            if (limit) return resolve({ status, json: null, raw: Buffer.concat(chunks) });
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = null;
            try {
              json = text ? JSON.parse(text) : null;
            } catch {
              json = null;
            }
            if (status >= 200 && status < 300) return resolve({ status, json });
            reject(graphAnswerError(status, json, res.headers['retry-after'], endpoint.access));
          });
          res.on('error', (err) => reject(graphNetworkError(err, endpoint.host)));
        }
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('Graph did not answer in time'), { code: 'ETIMEDOUT' }))
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive socket the server closed as it was reused: the request never reached
        // it, so once more on a fresh socket (Node's documented remedy, `reusedSocket`).
        if (req.reusedSocket && err.code === 'ECONNRESET' && !retried) {
          return resolve(request(call, true));
        }
        reject(graphNetworkError(err, endpoint.host));
      });
      req.end(body);
    });
  }

  return { request, close: () => agent.destroy() };
}

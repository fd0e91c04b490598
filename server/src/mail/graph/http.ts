/**
 * Microsoft Graph over HTTPS, with Node's https (the extra trusted CAs of the settings apply, as
 * for SMTP and IMAP; a Graph SDK would add nothing the few mail calls need). One keep-alive
 * agent per client, so its connections only ever carry this client's trust settings. Every
 * answer that is not 2xx becomes a MailError with Graph's error code as `reason` (errors.ts).
 */
import https from 'node:https';
import { tlsOptions } from '../connection';
import type { TlsSettings } from '../types';
import { graphAnswerError, graphNetworkError } from './errors';

export interface GraphEndpoint {
  /** graph.microsoft.com, a national cloud's Graph host, or a test stand-in (host:port) */
  host: string;
  tls?: TlsSettings;
  timeoutMs: number;
}

export interface GraphCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** a path under /v1.0, or a whole https URL (an upload session's) */
  path: string;
  token?: string;
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

export interface GraphAnswer {
  status: number;
  json: unknown;
}

export interface GraphClient {
  request(call: GraphCall): Promise<GraphAnswer>;
  close(): void;
}

export function createGraphClient(endpoint: GraphEndpoint): GraphClient {
  const [hostname, port] = endpoint.host.split(':') as [string, string?];
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 4, // Graph allows 4 concurrent requests per app and mailbox
    ...tlsOptions({ host: hostname, port: Number(port ?? 443), security: 'tls' }, endpoint.tls),
  });

  function request(call: GraphCall): Promise<GraphAnswer> {
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
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = null;
            try {
              json = text ? JSON.parse(text) : null;
            } catch {
              json = null;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300) return resolve({ status, json });
            reject(graphAnswerError(status, json, res.headers['retry-after']));
          });
          res.on('error', (err) => reject(graphNetworkError(err, endpoint.host)));
        }
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('Graph did not answer in time'), { code: 'ETIMEDOUT' }))
      );
      req.on('error', (err) => reject(graphNetworkError(err, endpoint.host)));
      req.end(body);
    });
  }

  return { request, close: () => agent.destroy() };
}

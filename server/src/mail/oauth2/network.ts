/**
 * MSAL's HTTP client, on node:https so that extra CAs (a company CA, or the tests' local CA) are
 * trusted without NODE_EXTRA_CA_CERTS, which Node only reads at start-up.
 */
import https from 'node:https';
import type { INetworkModule, NetworkResponse } from '@azure/msal-node';

const REQUEST_TIMEOUT_MS = 10_000;

/** An error answer of the identity platform (OAuth2 JSON), as last seen by a network client. */
export type FailedAnswer = { error: string; error_description: string };

/**
 * `onFailure` sees every error answer: MSAL replaces a failed discovery request by a generic
 * "endpoints cannot be resolved", dropping Entra's AADSTS90002 (tenant not found) with it.
 */
export function networkClient(
  ca: string[],
  onFailure: (answer: FailedAnswer) => void = () => undefined
): INetworkModule & { close(): void } {
  // Its own agent: the keep-alive connections to the identity platform belong to this client
  // and end with it (plugin destroy), instead of lingering in Node's global agent.
  const agent = new https.Agent({ keepAlive: true, maxSockets: 4, ca: ca.length ? ca : undefined });
  const send = <T>(
    method: 'GET' | 'POST',
    url: string,
    headers: Record<string, string> = {},
    body?: string
  ) =>
    new Promise<NetworkResponse<T>>((resolve, reject) => {
      const req = https.request(
        url,
        { method, headers, agent, timeout: REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // MSAL reports a non-JSON body itself; keep the text for the diagnosis.
            }
            const status = res.statusCode ?? 0;
            const body = parsed as Partial<FailedAnswer> | undefined;
            if (status >= 400 && typeof body?.error_description === 'string') {
              onFailure({
                error: String(body.error ?? ''),
                error_description: body.error_description,
              });
            }
            const lower: Record<string, string> = {};
            for (const [k, v] of Object.entries(res.headers)) lower[k.toLowerCase()] = String(v);
            resolve({ headers: lower, body: parsed as T, status });
          });
          res.on('error', reject);
        }
      );
      req.on('timeout', () =>
        req.destroy(Object.assign(new Error('token request timed out'), { code: 'ETIMEDOUT' }))
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options?.headers),
    sendPostRequestAsync: (url, options) => send('POST', url, options?.headers, options?.body),
    close: () => agent.destroy(),
  };
}

/**
 * A bare Microsoft Graph client for the benchmarks' baselines: Node's https with four keep-alive
 * connections (Graph's concurrency per app and mailbox) and one app-only token from the local
 * identity platform. What any program talking to Graph must do, and nothing of the plugin's.
 */
import fs from 'node:fs';
import https from 'node:https';

/** The local Graph and an app registered for it (the bench processes pass this around). */
export interface GraphTarget {
  host: string;
  caFile: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** the mailbox the app sends from or reads */
  mailbox: string;
}

export async function rawGraphClient(target: GraphTarget) {
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: 4,
    ca: fs.readFileSync(target.caFile),
  });
  const call = (
    url: string,
    method: string,
    headers: Record<string, string>,
    body?: string
  ): Promise<{ status: number; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const req = https.request(url, { method, agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: target.clientId,
    client_secret: target.clientSecret,
    scope: 'https://graph.microsoft.com/.default',
  }).toString();
  const answer = await call(
    `https://${target.authorityHost}/${target.tenantId}/oauth2/v2.0/token`,
    'POST',
    { 'Content-Type': 'application/x-www-form-urlencoded' },
    form
  );
  const token = JSON.parse(answer.body.toString('utf8')).access_token as string;
  const user = `https://${target.host}/v1.0/users/${encodeURIComponent(target.mailbox)}`;
  return {
    /** A call under /users/{mailbox}; a non-2xx answer throws. */
    async request(method: string, path: string, body?: string, contentType?: string) {
      const res = await call(
        `${user}${path}`,
        method,
        {
          Authorization: `Bearer ${token}`,
          ...(contentType ? { 'Content-Type': contentType } : {}),
        },
        body
      );
      if (res.status < 200 || res.status >= 300)
        throw new Error(`Graph answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
      return res.body;
    },
    close: () => agent.destroy(),
  };
}

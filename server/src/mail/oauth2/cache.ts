/**
 * The access-token cache in front of MSAL. MSAL caches too, but it treats a token as expired
 * five minutes early whatever its lifetime and does not merge concurrent requests: a pool that
 * opens five connections at once would ask five times. Here:
 * - one request at a time per token source (callers arriving meanwhile share its result);
 * - a token is reused until shortly before it expires (a fifth of its lifetime, at least a
 *   second, at most five minutes), so a request never goes out with a token that expires on
 *   the way;
 * - `forceRefresh` (the server refused the token) skips the cached token once.
 */
import type { MailError, MailErrorInfo } from '../errors';
import { toInfo } from '../errors';

export type FreshToken = {
  accessToken: string;
  expiresOn: Date;
  /** true when MSAL answered from its own (possibly persisted) cache, without a request */
  fromCache: boolean;
  /** the signed-in account (delegated grants) */
  account?: string;
};

export type TokenStats = {
  /** token requests that reached the identity platform */
  requests: number;
  /** of which forced by a refused token */
  forced: number;
  lastRenewedAt?: string;
  expiresAt?: string;
  account?: string;
  lastError?: MailErrorInfo & { at: string };
};

const MAX_MARGIN_MS = 5 * 60_000;
/** MSAL rounds expiry to the second, and clocks differ: never cut it closer than this. */
const MIN_MARGIN_MS = 1_000;
const MARGIN_SHARE = 0.2;

export interface TokenCache {
  get(opts?: { forceRefresh?: boolean }): Promise<string>;
  stats(): TokenStats;
}

export function createTokenCache(
  fetch: (force: boolean) => Promise<FreshToken>,
  explain: (err: unknown) => MailError,
  now: () => number = Date.now
): TokenCache {
  let current: { token: string; expiresAt: number; renewAt: number } | null = null;
  let pending: Promise<string> | null = null;
  const stats: TokenStats = { requests: 0, forced: 0 };

  function run(force: boolean): Promise<string> {
    const started = now();
    pending = fetch(force)
      .then((fresh) => {
        const expiresAt = fresh.expiresOn.getTime();
        const lifetime = Math.max(0, expiresAt - started);
        const margin = Math.min(
          MAX_MARGIN_MS,
          Math.max(MIN_MARGIN_MS, lifetime * MARGIN_SHARE),
          lifetime / 2
        );
        current = { token: fresh.accessToken, expiresAt, renewAt: expiresAt - margin };
        if (!fresh.fromCache) {
          stats.requests++;
          if (force) stats.forced++;
          stats.lastRenewedAt = new Date(now()).toISOString();
        }
        stats.expiresAt = new Date(expiresAt).toISOString();
        if (fresh.account) stats.account = fresh.account;
        delete stats.lastError;
        return fresh.accessToken;
      })
      .catch((err: unknown) => {
        const error = explain(err);
        stats.lastError = { ...toInfo(error), at: new Date(now()).toISOString() };
        throw error;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  }

  return {
    get({ forceRefresh = false } = {}) {
      // A request in flight is at least as fresh as anything a forced refresh would get.
      if (pending) return pending;
      if (!forceRefresh && current && now() < current.renewAt) {
        return Promise.resolve(current.token);
      }
      if (forceRefresh) current = null;
      return run(forceRefresh);
    },
    stats: () => ({ ...stats }),
  };
}

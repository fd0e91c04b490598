/**
 * The background check of the OAuth2 sections (a cron task, every 10 minutes) and the status
 * the admin page shows. The check asks each OAuth2 section for a token the way a send would:
 * from the cache while it is valid, renewed shortly before it expires, so an idle Strapi keeps
 * its delegated refresh token in use. It warns (admin page and log) when a token cannot be
 * renewed, and when a refresh token has not been used for long: Microsoft lets it expire after
 * 90 days of inactivity, e.g. when Strapi was stopped meanwhile.
 */
import type { Core } from '@strapi/strapi';
import type {
  OAuthSectionStatus,
  OAuthStatus,
  OAuthWarning,
} from '../../../shared/contracts/oauth';
import { errorInfo } from '../errors';
import { getService } from '../utils/get-service';
import { isConfigured, type Effective, type SectionKind } from '../settings/model';

export const OAUTH_CHECK_JOB = 'mail-server-oauth-check';
export const OAUTH_CHECK_RULE = '*/10 * * * *';
/** Warn this long before Microsoft's 90 days of inactivity end a refresh token. */
export const REFRESH_IDLE_WARN_DAYS = 60;
const DAY_MS = 86_400_000;
const KINDS: SectionKind[] = ['smtp', 'imap'];

type Check = { at: string; ok: boolean; error?: ReturnType<typeof errorInfo> };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const checks = new Map<SectionKind, Check>();
  let running: Promise<void> | null = null;
  const oauth = () => getService(strapi, 'oauth-token');

  async function oauthSection(kind: SectionKind) {
    const section = await getService(strapi, 'settings').getEffective(kind);
    return isConfigured(section) && section.oauth2.enabled ? section : null;
  }

  function staleWarning(lastRenewedAt: string | null): OAuthWarning | null {
    if (!lastRenewedAt) return null;
    const idleDays = Math.floor((Date.now() - Date.parse(lastRenewedAt)) / DAY_MS);
    if (idleDays < REFRESH_IDLE_WARN_DAYS) return null;
    return {
      code: 'ESTALE',
      message: `The refresh token of the connected account has not been used for ${idleDays} days; Microsoft ends it after 90 days without use.`,
      fix: 'Press Test in this section to use it now, or connect the account again.',
    };
  }

  async function checkSection(kind: SectionKind): Promise<void> {
    const section = await oauthSection(kind);
    if (!section) {
      checks.delete(kind);
      return;
    }
    const at = new Date().toISOString();
    try {
      await oauth().getAccessToken(kind, section);
      checks.set(kind, { at, ok: true });
      const conn = await oauth().connection(kind, section);
      const stale = conn && staleWarning(conn.lastRenewedAt);
      if (stale) strapi.log.warn(`[mail-server] ${kind.toUpperCase()}: ${stale.message}`);
    } catch (err) {
      const error = errorInfo(err);
      checks.set(kind, { at, ok: false, error });
      strapi.log.warn(
        `[mail-server] ${kind.toUpperCase()}: the OAuth2 token cannot be renewed (${error.code}): ${error.diagnosis}`
      );
    }
  }

  async function sectionStatus(kind: SectionKind): Promise<OAuthSectionStatus> {
    const section = await getService(strapi, 'settings')
      .getEffective(kind)
      .catch(() => null);
    const { enabled = false, grant = 'client_credentials' } = section?.oauth2 ?? {};
    const status: OAuthSectionStatus = {
      enabled,
      grant,
      connection: null,
      token: null,
      lastError: null,
      warnings: [],
      lastCheck: null,
    };
    if (!section || !enabled) return status;
    const live = section as Effective<SectionKind>;
    const conn = grant === 'authorization_code' ? await oauth().connection(kind, live) : null;
    if (conn) {
      const { account, connectedAt, lastRenewedAt } = conn;
      status.connection = { account, connectedAt, lastRenewedAt };
      const stale = staleWarning(lastRenewedAt);
      if (stale) status.warnings.push(stale);
      // IMAP may name a shared mailbox in `user=`; Exchange SMTP only takes the signed-in user.
      if (kind === 'smtp' && account.toLowerCase() !== live.username.trim().toLowerCase()) {
        status.warnings.push({
          code: 'EACCOUNT',
          message: `SMTP logs in as ${live.username || '(no user name)'}, but the connected account is ${account}: Exchange Online refuses a delegated token for another user.`,
          fix: `Set the SMTP user name to ${account}. To send as a shared mailbox, keep ${account} as user name, put the shared address in From and grant SendAs on it.`,
        });
      }
    }
    const stats = await oauth().stats(kind, live);
    if (stats) {
      const { requests, lastRenewedAt, expiresAt } = stats;
      status.token = { requests, lastRenewedAt, expiresAt };
    }
    const check = checks.get(kind);
    if (check) status.lastCheck = { at: check.at, ok: check.ok };
    // The most recent failure of: a token request here, the Connect flow, the check.
    const candidates = [
      stats?.lastError,
      getService(strapi, 'oauth').lastFailure(kind) ?? undefined,
      check?.error ? { ...check.error, at: check.at } : undefined,
    ].filter((e): e is ReturnType<typeof errorInfo> & { at: string } => !!e);
    const latest = candidates.sort((a, b) => b.at.localeCompare(a.at))[0];
    if (latest) {
      const { code, message, diagnosis, fix, response, at } = latest;
      status.lastError = { code, message, diagnosis, fix, response, at };
      // A warning only while the token is broken now (the last attempt failed), not for an
      // old failure that a later success has cleared.
      if ((check && !check.ok) || stats?.lastError) {
        status.warnings.push({ code: 'EOAUTH2', message: diagnosis, fix });
      }
    }
    return status;
  }

  return {
    /** One pass over both sections; a pass already running is joined, never doubled. */
    run(): Promise<void> {
      running ??= Promise.all(KINDS.map((k) => checkSection(k).catch(() => undefined)))
        .then(() => undefined)
        .finally(() => {
          running = null;
        });
      return running;
    },

    /** The cron body: never throws into the scheduler. */
    async task(): Promise<void> {
      try {
        await this.run();
      } catch (err) {
        strapi.log.error(`[mail-server] OAuth2 check failed: ${(err as Error).message}`);
      }
    },

    async status(origin: string): Promise<OAuthStatus> {
      const [smtp, imap] = await Promise.all(KINDS.map(sectionStatus));
      return {
        smtp: smtp!,
        imap: imap!,
        redirectUri: getService(strapi, 'oauth').redirectUri(origin),
      };
    },

    /** Waits for a pass in flight (destroy). */
    async close(): Promise<void> {
      await running?.catch(() => undefined);
      checks.clear();
    },
  };
};

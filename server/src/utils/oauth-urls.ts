/**
 * Where the "Connect account" flow sends the browser, and who may finish it. Kept out of the
 * flow service because they depend on the app's config (public URL, admin URL) and on the
 * admin's session manager, not on OAuth2.
 */
import type { Core } from '@strapi/strapi';

export const CALLBACK_PATH = '/mail-server/oauth/callback';

/**
 * The public callback URL: from `server.url` when it is absolute (behind a proxy, the only
 * reliable source), else the origin the admin's browser used.
 */
export function callbackUrl(strapi: Core.Strapi, origin: string): string {
  const configured = String(strapi.config.get('server.url') ?? '');
  const base = /^https?:\/\//i.test(configured) ? configured : origin;
  return `${base.replace(/\/+$/, '')}${CALLBACK_PATH}`;
}

/** Settings → Mail Server, with the outcome of the flow in the query. */
export function settingsPageUrl(strapi: Core.Strapi, query: Record<string, string>): string {
  const admin = String(strapi.config.get('admin.url') ?? '/admin').replace(/\/+$/, '');
  return `${admin}/settings/mail-server?${new URLSearchParams(query)}`;
}

type SessionManager = (origin: string) => { isSessionActive(id: string): Promise<boolean> };

/**
 * The admin who started the flow still exists, is active and, when Strapi tracks sessions
 * (5.24+), is still logged in with the session that started it.
 */
export async function adminSessionActive(
  strapi: Core.Strapi,
  userId: number | string,
  sessionId: string | null
): Promise<boolean> {
  const user = await strapi.db.query('admin::user').findOne({ where: { id: userId } });
  if (!user || user.isActive !== true) return false;
  const manager = (strapi as unknown as { sessionManager?: SessionManager }).sessionManager;
  if (!manager) return true;
  return !!sessionId && manager('admin').isSessionActive(sessionId);
}

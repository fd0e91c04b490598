/**
 * "Connect account" (authorization code grant with PKCE) and Disconnect. `start` returns the
 * sign-in URL and a cookie; Microsoft sends the browser back to the callback route, where
 * `complete` checks the state (sealed, unexpired, single use, same browser through the cookie,
 * admin session still active), redeems the code, stores the account's MSAL cache encrypted and
 * sends the browser back to the settings page with the outcome.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import type { OAuthSection } from '../../../shared/contracts/oauth';
import { oauthCallbackQuerySchema } from '../../../shared/contracts/oauth';
import {
  authorizationUrl,
  createPkcePair,
  diagnoseTokenError,
  redeemAuthorizationCode,
  toInfo,
  type MailErrorInfo,
} from '../mail';
import { errorInfo, PluginError, type PluginErrorCode } from '../errors';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { tokenSettings } from './oauth-token';
import { trustedCas } from '../utils/tls';
import { isConfigured, type Effective, type SectionKind } from '../settings/model';
import {
  cookieName,
  cookiePayloadSchema,
  seal,
  statePayloadSchema,
  STATE_TTL_MS,
  unseal,
} from '../utils/oauth-state';
import { adminSessionActive, callbackUrl, settingsPageUrl } from '../utils/oauth-urls';
import { destinationKey } from '../settings/destination';

export type Cookie = { name: string; value: string; maxAge: number };
/** Flow failures also carry the plugin's own codes (ESTATE, ESESSION, ECONFIG). */
type Failure = Omit<MailErrorInfo, 'code'> & { code: string; at: string };
type Outcome = { location: string; clearCookie?: string };

const flowError = (code: PluginErrorCode, message: string, fix: string) =>
  new PluginError(code, message, fix);

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const secrets = () => getService(strapi, 'secrets');
  /** nonces already redeemed here, until they expire (a replayed callback is refused) */
  const used = new Map<string, number>();
  const failures = new Map<SectionKind, Failure>();

  const redirectUri = (origin: string) => callbackUrl(strapi, origin);
  const settingsPage = (query: Record<string, string>) => settingsPageUrl(strapi, query);

  async function delegatedSection(kind: SectionKind): Promise<Effective<SectionKind>> {
    const section = await getService(strapi, 'settings').getEffective(kind);
    const { enabled, grant, credential, clientSecret, clientCertificate } = section.oauth2;
    const proof = credential === 'certificate' ? clientCertificate : clientSecret;
    if (!isConfigured(section) || !enabled || grant !== 'authorization_code' || !proof) {
      throw flowError(
        'ECONFIG',
        `The ${kind.toUpperCase()} section does not use the authorization code grant.`,
        'Enable OAuth2, choose "Authorization code" as grant, fill in Tenant ID, Client ID and the client secret or certificate, save, then connect.'
      );
    }
    return section;
  }

  const ca = () => trustedCas(getPluginConfig(strapi));

  function fail(kind: SectionKind | undefined, error: Failure, clear?: string): Outcome {
    if (kind) failures.set(kind, error);
    strapi.log.warn(
      `[mail-server] ${kind?.toUpperCase() ?? 'OAuth2'}: Connect account failed (${error.code}): ${error.diagnosis}`
    );
    return {
      location: settingsPage({
        oauth: 'failed',
        ...(kind ? { section: kind } : {}),
        code: error.code,
      }),
      clearCookie: clear,
    };
  }

  const refused = (code: string, diagnosis: string, fix: string): Failure => ({
    code,
    message: diagnosis,
    diagnosis,
    fix,
    at: new Date().toISOString(),
  });

  return {
    redirectUri,

    async start(
      kind: OAuthSection,
      who: { userId: number | string; sessionId: string | null; origin: string }
    ): Promise<{ authorizeUrl: string; redirectUri: string; cookie: Cookie }> {
      const section = await delegatedSection(kind);
      const uri = redirectUri(who.origin);
      const { verifier, challenge } = createPkcePair();
      const nonce = crypto.randomBytes(18).toString('base64url');
      const state = seal(secrets(), {
        v: 1,
        k: kind,
        u: who.userId,
        s: who.sessionId,
        n: nonce,
        e: Date.now() + STATE_TTL_MS,
        r: uri,
        a: destinationKey(kind, section),
      });
      const authorizeUrl = await authorizationUrl(
        tokenSettings(section),
        { redirectUri: uri, state, challenge, loginHint: section.username },
        { ca: ca() }
      );
      const cookie = seal(secrets(), { k: kind, n: nonce, v: verifier });
      return {
        authorizeUrl,
        redirectUri: uri,
        cookie: { name: cookieName(kind), value: cookie, maxAge: STATE_TTL_MS },
      };
    },

    /** Never throws: every outcome is a redirect to the settings page. */
    async complete(
      rawQuery: unknown,
      readCookie: (name: string) => string | undefined
    ): Promise<Outcome> {
      const query = oauthCallbackQuerySchema.safeParse(rawQuery);
      const state = query.success ? unseal(secrets(), statePayloadSchema, query.data.state) : null;
      const badState = () =>
        refused(
          'ESTATE',
          'The answer from Microsoft does not belong to a sign-in started here, in this browser, in the last 10 minutes.',
          'Press "Connect account" again and finish the sign-in in the same browser tab.'
        );
      if (!query.success || !state || state.e < Date.now()) return fail(state?.k, badState());
      const kind = state.k;
      const clear = cookieName(kind);
      const cookie = unseal(secrets(), cookiePayloadSchema, readCookie(clear));
      const nonceOk =
        !!cookie &&
        cookie.k === kind &&
        crypto.timingSafeEqual(
          crypto.createHash('sha256').update(cookie.n).digest(),
          crypto.createHash('sha256').update(state.n).digest()
        );
      if (!nonceOk || used.has(state.n)) return fail(kind, badState(), clear);
      for (const [n, exp] of used) if (exp < Date.now()) used.delete(n);
      used.set(state.n, state.e);

      if (!(await adminSessionActive(strapi, state.u, state.s))) {
        return fail(
          kind,
          refused(
            'ESESSION',
            'The admin session that started the sign-in has ended.',
            'Log in to the admin panel again and press "Connect account".'
          ),
          clear
        );
      }
      const { data } = query;
      try {
        if (data.error) {
          throw Object.assign(new Error(`${data.error}: ${data.error_description ?? ''}`), {
            errorCode: data.error,
            errorMessage: data.error_description ?? '',
          });
        }
        if (!data.code) throw new Error('invalid_request: no authorization code in the answer');
        const section = await delegatedSection(kind);
        if (destinationKey(kind, section) !== state.a) {
          throw new PluginError(
            'ECONFIG',
            'The app registration settings changed during the sign-in.',
            'Press "Connect account" again.'
          );
        }
        const account = await redeemAuthorizationCode(
          tokenSettings(section),
          { code: data.code, redirectUri: state.r, verifier: cookie!.v },
          { ca: ca() }
        );
        await getService(strapi, 'oauth-connection').save(kind, {
          appKey: state.a,
          account: account.username,
          homeAccountId: account.homeAccountId,
          cache: account.cache,
          connectedBy: typeof state.u === 'number' ? state.u : null,
        });
        await forgetLogins(kind);
        failures.delete(kind);
        strapi.log.info(
          `[mail-server] ${kind.toUpperCase()}: Microsoft 365 account ${account.username} connected`
        );
        return {
          location: settingsPage({ oauth: 'connected', section: kind }),
          clearCookie: clear,
        };
      } catch (err) {
        const known = err instanceof PluginError ? err : diagnoseTokenError(err);
        const error = { ...errorInfo(known), at: new Date().toISOString() };
        return fail(kind, error, clear);
      }
    },

    async disconnect(kind: OAuthSection): Promise<{ disconnected: boolean }> {
      const disconnected = await getService(strapi, 'oauth-connection').remove(kind);
      await forgetLogins(kind);
      failures.delete(kind);
      if (disconnected) {
        strapi.log.info(`[mail-server] ${kind.toUpperCase()}: Microsoft 365 account disconnected`);
      }
      return { disconnected };
    },

    lastFailure(kind: SectionKind): Failure | null {
      return failures.get(kind) ?? null;
    },

    clear() {
      used.clear();
      failures.clear();
    },
  };

  /**
   * The next token comes from the new connection, and pooled SMTP connections logged in as the
   * previous account are closed: otherwise mail would keep going out as a disconnected account
   * until the pool recycles them. (The transport rebuilds its pool on the next send.)
   */
  async function forgetLogins(kind: SectionKind) {
    getService(strapi, 'oauth-token').forget(kind);
    if (kind === 'smtp') await getService(strapi, 'transport').close();
  }
};

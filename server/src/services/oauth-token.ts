/**
 * Access tokens for the OAuth2 (Microsoft 365) sections. One token source per identity (grant,
 * authority, tenant, client, secret, scopes, account), kept for the life of the process, so a
 * token is requested once per lifetime however many messages are sent, and SMTP and IMAP share
 * it when they use the same app-only identity. Delegated connections (authorization code) are
 * per section and read their MSAL cache from the database (services/oauth-connection.ts).
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import {
  createTokenSource,
  type MailAuth,
  type OAuth2Settings,
  type TokenSource,
  type TokenStats,
} from '../mail';
import { PluginError } from '../errors';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { trustedCas } from '../utils/tls';
import type { Effective, SectionKind } from '../settings/model';
import type { OAuthConnection } from './oauth-connection';
import { destinationKey } from '../settings/destination';
import { cloudHosts } from '../../../shared/contracts/settings';

/** Another instance may connect or disconnect: re-read the connection row at most this often. */
const CONNECTION_STALE_MS = 5_000;
/** Token sources of identities no longer in the settings are dropped beyond this many. */
const MAX_SOURCES = 16;

/** What MSAL needs of a section: its OAuth2 block with the hosts its cloud decides. */
export function tokenSettings(section: Effective<SectionKind>): OAuth2Settings {
  const { grant, tenantId, clientId, clientSecret, clientCertificate, scopes } = section.oauth2;
  const { authority, outlook, graph } = cloudHosts(section.oauth2);
  // A section using Graph needs a token for Graph, not for Exchange's protocols: app-only with
  // the app's granted permissions (.default), delegated with the one permission the section
  // uses (to send; to read and move the replies), in its .Shared form, which covers the user's
  // own mailbox and one they were given Full Access / Send As to
  // (https://learn.microsoft.com/graph/outlook-share-messages-folders).
  const viaGraph = (section as { transport?: string }).transport === 'graph';
  const permission = 'mailbox' in section ? 'Mail.ReadWrite.Shared' : 'Mail.Send.Shared';
  const graphScopes =
    grant === 'client_credentials'
      ? [`https://${graph}/.default`]
      : [`https://${graph}/${permission}`];
  // Only the credential chosen is ever sent: a secret left saved beside a certificate is not.
  const certificate = section.oauth2.credential === 'certificate';
  return {
    grant,
    tenantId,
    clientId,
    clientSecret: certificate ? '' : (clientSecret ?? ''),
    clientCertificate: certificate ? (clientCertificate ?? '') : undefined,
    authorityHost: authority,
    resourceHost: outlook,
    scopes: scopes.length || !viaGraph ? scopes : graphScopes,
  };
}

type Entry = { source: TokenSource; kind: SectionKind; homeAccountId?: string; recorded: number };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const sources = new Map<string, Entry>();
  const connections = new Map<SectionKind, { at: number; value: OAuthConnection | null }>();
  const connectionService = () => getService(strapi, 'oauth-connection');
  const drop = (key: string) => {
    sources.get(key)?.source.close();
    sources.delete(key);
  };

  /** The connected account of a section, if it was made for exactly this destination. */
  async function connectionFor(kind: SectionKind, section: Effective<SectionKind>) {
    let cached = connections.get(kind);
    if (!cached || Date.now() - cached.at > CONNECTION_STALE_MS) {
      cached = { at: Date.now(), value: await connectionService().find(kind) };
      connections.set(kind, cached);
    }
    const conn = cached.value;
    return conn && conn.appKey === destinationKey(kind, section) ? conn : null;
  }

  async function entryFor(kind: SectionKind, section: Effective<SectionKind>): Promise<Entry> {
    const settings = tokenSettings(section);
    const { grant, tenantId, clientId, clientSecret, clientCertificate, authorityHost } = settings;
    const { resourceHost, scopes } = settings;
    const conn = grant === 'authorization_code' ? await connectionFor(kind, section) : null;
    const password = grant === 'password' ? (section.password ?? '') : '';
    // Secrets are part of the identity (a new secret must not reuse the old token), but only
    // as a hash: map keys can end up in heap dumps.
    const key = crypto
      .createHash('sha256')
      .update(
        JSON.stringify([
          grant,
          authorityHost,
          resourceHost,
          tenantId,
          clientId,
          clientSecret,
          clientCertificate ?? '',
          scopes,
          grant === 'client_credentials' ? '' : section.username,
          password,
          grant === 'authorization_code' ? kind : '',
          conn?.homeAccountId ?? '',
        ])
      )
      .digest('hex');
    let entry = sources.get(key);
    if (entry) {
      // Most recently used last, so the oldest identity is the one dropped below.
      sources.delete(key);
      sources.set(key, entry);
    } else {
      const ca = trustedCas(getPluginConfig(strapi));
      const homeAccountId = conn?.homeAccountId;
      const source = createTokenSource(settings, {
        ca,
        username: section.username,
        password: section.password,
        homeAccountId,
        store: homeAccountId ? connectionService().store(kind, homeAccountId) : undefined,
      });
      entry = { source, kind, homeAccountId, recorded: 0 };
      sources.set(key, entry);
      if (sources.size > MAX_SOURCES) drop(sources.keys().next().value!);
    }
    return entry;
  }

  return {
    /**
     * The login for a section: XOAUTH2 with a token from here, a password, or none (an SMTP
     * relay that accepts mail from this host without login).
     */
    authFor(kind: SectionKind, section: Effective<SectionKind>): MailAuth | undefined {
      if (section.oauth2.enabled) {
        return {
          user: section.username,
          getAccessToken: (opts) => this.getAccessToken(kind, section, opts),
          grant: section.oauth2.grant,
        };
      }
      if (!section.username) return undefined;
      if (section.password === undefined) {
        throw new PluginError(
          'ECONFIG',
          `The ${kind.toUpperCase()} password is missing.`,
          'Enter the password of the account, or clear the username if the server needs no login.'
        );
      }
      return { user: section.username, pass: section.password };
    },

    async getAccessToken(
      kind: SectionKind,
      section: Effective<SectionKind>,
      opts?: { forceRefresh?: boolean }
    ): Promise<string> {
      const entry = await entryFor(kind, section);
      const token = await entry.source.getAccessToken(opts);
      const { requests } = entry.source.stats();
      if (entry.homeAccountId && requests > entry.recorded) {
        // "Last renewed" in the admin, and the age the background check watches: the refresh
        // token expires after 90 days without use.
        entry.recorded = requests;
        await connectionService()
          .renewed(kind, entry.homeAccountId)
          .catch((err: Error) =>
            strapi.log.warn(`[mail-server] could not record the token renewal: ${err.message}`)
          );
      }
      return token;
    },

    /** What the admin page shows about the section's current token source: no secret. */
    async stats(kind: SectionKind, section: Effective<SectionKind>): Promise<TokenStats | null> {
      const conn = section.oauth2.grant === 'authorization_code';
      const entry = await entryFor(kind, section).catch(() => null);
      if (!entry || (conn && !entry.homeAccountId)) return null;
      return entry.source.stats();
    },

    /** The section's connection, if made for its current destination (authorization code). */
    connection(kind: SectionKind, section: Effective<SectionKind>) {
      return connectionFor(kind, section);
    },

    /** After Connect or Disconnect: the next token comes from the new state, at once. */
    forget(kind: SectionKind): void {
      connections.delete(kind);
      for (const [key, entry] of sources) {
        if (entry.kind === kind && entry.homeAccountId !== undefined) drop(key);
      }
    },

    /** destroy: every source closes its connections to the identity platform */
    clear() {
      [...sources.keys()].forEach(drop);
      connections.clear();
    },
  };
};

/**
 * The connected Microsoft 365 account of a section (authorization code grant), one row per
 * section in `plugin::mail-server.oauth-connection`. The MSAL cache (refresh token included) is
 * stored encrypted with the secrets service and read back on every MSAL cache access, so a
 * restart or another Strapi instance keeps the connection and sees rotated refresh tokens.
 * A row belongs to one destination (`appKey` = settings/destination.ts `destinationKey`: app
 * registration, scopes, mail host, port, security and mailbox): the refresh token is only ever
 * used for it, and a save that changes any of them removes the row.
 */
import type { Core } from '@strapi/strapi';
import type { TokenCacheStore } from '../mail';
import { getService } from '../utils/get-service';
import type { SectionKind } from '../settings/model';

export const OAUTH_CONNECTION_UID = 'plugin::mail-server.oauth-connection';

export type OAuthConnection = {
  section: SectionKind;
  appKey: string;
  account: string;
  homeAccountId: string;
  connectedAt: string | null;
  connectedBy: number | null;
  lastRenewedAt: string | null;
};

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const query = () => strapi.db.query(OAUTH_CONNECTION_UID);
  const secrets = () => getService(strapi, 'secrets');

  const toConnection = (row: Record<string, unknown>): OAuthConnection => ({
    section: row.section as SectionKind,
    appKey: String(row.appKey),
    account: String(row.account),
    homeAccountId: String(row.homeAccountId),
    connectedAt: iso(row.connectedAt),
    connectedBy: typeof row.connectedBy === 'number' ? row.connectedBy : null,
    lastRenewedAt: iso(row.lastRenewedAt),
  });

  return {
    /** The section's connection, if any (whatever app registration it was made for). */
    async find(section: SectionKind): Promise<OAuthConnection | null> {
      const row = await query().findOne({ where: { section }, orderBy: { id: 'desc' } });
      return row ? toConnection(row) : null;
    },

    /** Replaces the section's connection (a reconnect with another account included). */
    async save(
      section: SectionKind,
      data: {
        appKey: string;
        account: string;
        homeAccountId: string;
        cache: string;
        connectedBy: number | null;
      }
    ): Promise<OAuthConnection> {
      const now = new Date();
      const cache = secrets().encrypt(data.cache);
      await query().deleteMany({ where: { section } });
      const row = await query().create({
        data: { ...data, section, cache, connectedAt: now, lastRenewedAt: now },
      });
      return toConnection(row);
    },

    /** MSAL's view of the row: the decrypted cache, written back encrypted when it changed. */
    store(section: SectionKind, homeAccountId: string): TokenCacheStore {
      return {
        async load() {
          const row = await query().findOne({ where: { section, homeAccountId } });
          return row?.cache ? secrets().decrypt(String(row.cache)) : null;
        },
        async save(serialized) {
          // A disconnect in the meantime wins: the update then matches no row.
          await query().updateMany({
            where: { section, homeAccountId },
            data: { cache: secrets().encrypt(serialized) },
          });
        },
      };
    },

    /** A token was obtained from the identity platform (not from a cache). */
    async renewed(section: SectionKind, homeAccountId: string, at = new Date()): Promise<void> {
      await query().updateMany({ where: { section, homeAccountId }, data: { lastRenewedAt: at } });
    },

    async remove(section: SectionKind): Promise<boolean> {
      const { count } = await query().deleteMany({ where: { section } });
      return count > 0;
    },
  };
};

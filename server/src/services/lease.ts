/**
 * A lease in the database so that only one Strapi instance processes the mailbox at a time.
 * It expires, so a crashed holder is replaced after `ttlMs`. Taking it is one conditional
 * UPDATE (atomic in every database), or an INSERT that a unique index lets only one win.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';

export const LEASE_UID = 'plugin::mail-server.lease';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  /** This process; a restarted Strapi is a new holder. */
  const holder = `${process.pid}-${crypto.randomBytes(6).toString('hex')}`;
  const query = () => strapi.db.query(LEASE_UID);

  return {
    holder,

    async acquire(name: string, ttlMs: number): Promise<boolean> {
      const now = Date.now();
      const { count } = await query().updateMany({
        where: { name, $or: [{ holder }, { expiresAt: { $lt: now } }] },
        data: { holder, expiresAt: now + ttlMs },
      });
      if (count > 0) return true;
      const existing = await query().findOne({ where: { name } });
      if (existing) return false;
      try {
        await query().create({ data: { name, holder, expiresAt: now + ttlMs } });
        return true;
      } catch {
        return false; // another instance inserted it first
      }
    },

    async release(name: string) {
      await query().updateMany({ where: { name, holder }, data: { expiresAt: 0 } });
    },
  };
};

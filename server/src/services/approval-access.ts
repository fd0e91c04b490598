/**
 * Who may ask for an approval and who may give one, by Strapi's own RBAC: a request by email
 * must never let anyone do what the Content Manager would refuse them.
 *
 * - The requester (an admin calling the API) must be allowed to read and update the entry.
 * - Every approver must be an active admin user whose role may perform the request's action on
 *   the entry (publish, or the permission a custom action declares), locale and conditions
 *   included.
 * Both are checked when the request is made and again when the decision arrives, since a role
 * can change or a user be blocked in between.
 *
 * Abilities come from Strapi's permission engine and are checked through the Content Manager's
 * own permission checker, so conditions such as "is creator" apply exactly as in the editor.
 */
import type { Core } from '@strapi/strapi';
import { PluginError } from '../errors';
import type { AdminUser } from '../approvals/types';

/** A Content Manager action: what a role must be allowed on the entry. */
export type EntryPermission = 'read' | 'create' | 'update' | 'delete' | 'publish';

type Ability = { can: (...args: unknown[]) => boolean };
type Checker = {
  can: Record<EntryPermission, (entity?: unknown) => boolean>;
};
type Target = { uid: string; documentId: string; locale?: string | null };

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const checker = (ability: Ability, uid: string): Checker =>
    strapi
      .plugin('content-manager')
      .service('permission-checker')
      .create({ userAbility: ability, model: uid }) as Checker;

  /** The draft row with what permission conditions look at (creator, locale). */
  async function entity(target: Target): Promise<Record<string, unknown> | null> {
    // Without draft & publish (a custom action's type) there is one row, published.
    const type = strapi.contentTypes[target.uid as keyof typeof strapi.contentTypes] as
      { options?: { draftAndPublish?: boolean } } | undefined;
    const rows = await strapi.db.query(target.uid as never).findMany({
      where: {
        documentId: target.documentId,
        ...(type?.options?.draftAndPublish ? { publishedAt: null } : {}),
        ...(target.locale ? { locale: target.locale } : {}),
      },
      populate: ['createdBy', 'updatedBy'],
      limit: 1,
    });
    return (rows[0] as Record<string, unknown> | undefined) ?? null;
  }

  /** The active, unblocked admin user with this email, or null. */
  async function adminUser(email: string) {
    const user = await strapi.db.query('admin::user').findOne({
      where: { email: { $eqi: email.trim() }, isActive: true, blocked: { $ne: true } },
      populate: ['roles'],
    });
    return (user as (AdminUser & Record<string, unknown>) | null) ?? null;
  }

  async function abilityOf(user: Record<string, unknown>): Promise<Ability> {
    return (await strapi
      .service('admin::permission')
      .engine.generateUserAbility(user)) as unknown as Ability;
  }

  return {
    entity,

    /** Whether an ability (an admin's own) allows `permission` on the entry. */
    can: (ability: Ability, uid: string, permission: EntryPermission, entry: unknown) =>
      checker(ability, uid).can[permission](entry),

    /** The requester's own ability (ctx.state.userAbility) must read and update the entry. */
    checkRequester(ability: Ability, target: Target, entry: Record<string, unknown>) {
      const can = checker(ability, target.uid).can;
      if (!can.read(entry) || !can.update(entry)) {
        throw new PluginError(
          'EFORBIDDEN',
          'Your role may not read and update this entry, so it may not ask for its approval.',
          'Ask an administrator for Content Manager access to this entry.'
        );
      }
    },

    /**
     * The admin user behind an approver address, if they may `permission` the entry now; null
     * otherwise (unknown address, inactive or blocked user, role without the permission).
     */
    async approverUser(
      address: string,
      target: Target,
      permission: EntryPermission,
      entry?: Record<string, unknown> | null
    ): Promise<AdminUser | null> {
      const user = await adminUser(address);
      if (!user) return null;
      const row = entry ?? (await entity(target));
      if (!row) return null;
      const can = checker(await abilityOf(user), target.uid).can;
      return can[permission](row) ? { id: user.id, email: user.email } : null;
    },

    /**
     * The admin user who made the request may still read and update the entry (a request by
     * server code, without a user, is trusted). A requester blocked or demoted since cannot
     * have their request carried out.
     */
    async requesterAllowed(requestedBy: { id?: number } | null, target: Target): Promise<boolean> {
      if (typeof requestedBy?.id !== 'number') return true;
      const user = await strapi.db.query('admin::user').findOne({
        where: { id: requestedBy.id, isActive: true, blocked: { $ne: true } },
        populate: ['roles'],
      });
      if (!user) return false;
      const row = await entity(target);
      if (!row) return false;
      const can = checker(await abilityOf(user), target.uid).can;
      return can.read(row) && can.update(row);
    },

    /** Every approver must be allowed; the first one who is not is a field error. */
    async checkApprovers(
      addresses: string[],
      target: Target,
      permission: EntryPermission,
      entry: Record<string, unknown>
    ): Promise<void> {
      for (const [index, address] of addresses.entries()) {
        if (!(await this.approverUser(address, target, permission, entry))) {
          throw new PluginError(
            'EAPPROVER',
            `${address} is not an active admin user whose role may ${permission} this entry.`,
            'Name approvers who could do it themselves in the Content Manager.',
            ['approvers', String(index)]
          );
        }
      }
    },
  };
};

/**
 * Admits an admin who holds any one of `config.actions` (Strapi's own admin::hasPermissions
 * wants all of them): the mailbox job's health is for whoever reads the settings or the
 * approvals, without giving either right to the other.
 */
type PolicyContext = { state: { userAbility?: { can(action: string): boolean } } };

export default (policyContext: PolicyContext, config: { actions: string[] }) => {
  const ability = policyContext.state.userAbility;
  return Boolean(ability && config.actions.some((action) => ability.can(action)));
};

/**
 * The plugin's RBAC actions. Registered in bootstrap; every admin route requires one of them.
 * Full action ids are `plugin::mail-server.<uid>`.
 */
export const ACTIONS = {
  read: 'plugin::mail-server.settings.read',
  update: 'plugin::mail-server.settings.update',
  test: 'plugin::mail-server.settings.test',
} as const;

export const ACTION_DEFINITIONS = [
  { uid: 'settings.read', displayName: 'Read the mail server settings' },
  { uid: 'settings.update', displayName: 'Change the mail server settings' },
  { uid: 'settings.test', displayName: 'Test the mail server connections' },
].map((action) => ({
  ...action,
  section: 'plugins' as const,
  subCategory: 'settings',
  pluginName: 'mail-server',
}));

/** The RBAC actions registered by the server (server/src/permissions.ts). */
export const PERMISSIONS = {
  read: [{ action: 'plugin::mail-server.settings.read', subject: null }],
  update: [{ action: 'plugin::mail-server.settings.update', subject: null }],
  test: [{ action: 'plugin::mail-server.settings.test', subject: null }],
};

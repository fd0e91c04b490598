/** The RBAC actions registered by the server (server/src/permissions.ts). */
export const PERMISSIONS = {
  read: [{ action: 'plugin::mail-server.settings.read', subject: null }],
  update: [{ action: 'plugin::mail-server.settings.update', subject: null }],
  test: [{ action: 'plugin::mail-server.settings.test', subject: null }],
};

/** The approvals RBAC actions (server/src/permissions.ts). */
export const APPROVAL_PERMISSIONS = {
  request: [{ action: 'plugin::mail-server.approvals.request', subject: null }],
  read: [{ action: 'plugin::mail-server.approvals.read', subject: null }],
  manage: [{ action: 'plugin::mail-server.approvals.manage', subject: null }],
};

/** The delivery log RBAC actions (server/src/permissions.ts). */
export const DELIVERY_LOG_PERMISSIONS = {
  read: [{ action: 'plugin::mail-server.delivery-log.read', subject: null }],
  /** send a failed or cancelled message again, cancel a queued one */
  manage: [{ action: 'plugin::mail-server.delivery-log.manage', subject: null }],
};

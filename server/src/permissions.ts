/**
 * The plugin's RBAC actions. Registered in bootstrap; every admin route requires one of them.
 * Full action ids are `plugin::mail-server.<uid>`.
 */
export const ACTIONS = {
  read: 'plugin::mail-server.settings.read',
  update: 'plugin::mail-server.settings.update',
  test: 'plugin::mail-server.settings.test',
  deliveryLog: 'plugin::mail-server.delivery-log.read',
  deliveryLogManage: 'plugin::mail-server.delivery-log.manage',
  approvalsRequest: 'plugin::mail-server.approvals.request',
  approvalsRead: 'plugin::mail-server.approvals.read',
  approvalsManage: 'plugin::mail-server.approvals.manage',
} as const;

export const ACTION_DEFINITIONS = [
  { uid: 'settings.read', displayName: 'Read the mail server settings', subCategory: 'settings' },
  {
    uid: 'settings.update',
    displayName: 'Change the mail server settings',
    subCategory: 'settings',
  },
  {
    uid: 'settings.test',
    displayName: 'Test the mail server connections',
    subCategory: 'settings',
  },
  { uid: 'delivery-log.read', displayName: 'Read the delivery log', subCategory: 'delivery log' },
  {
    uid: 'delivery-log.manage',
    displayName: 'Resend failed emails and cancel queued ones',
    subCategory: 'delivery log',
  },
  { uid: 'approvals.request', displayName: 'Request approvals by email', subCategory: 'approvals' },
  { uid: 'approvals.read', displayName: 'Read approvals and replies', subCategory: 'approvals' },
  {
    uid: 'approvals.manage',
    displayName: 'Cancel approvals, accept or discard quarantined replies',
    subCategory: 'approvals',
  },
].map((action) => ({ ...action, section: 'plugins' as const, pluginName: 'mail-server' }));

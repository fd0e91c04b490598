import { ACTIONS } from '../permissions';

const guard = (action: string) => ({
  policies: [
    'admin::isAuthenticatedAdmin',
    { name: 'admin::hasPermissions', config: { actions: [action] } },
  ],
});

// Served at /mail-server/... (admin routes of plugins have no /admin prefix).
export default {
  type: 'admin',
  routes: [
    { method: 'GET', path: '/settings', handler: 'settings.find', config: guard(ACTIONS.read) },
    { method: 'PUT', path: '/settings', handler: 'settings.update', config: guard(ACTIONS.update) },
    {
      method: 'POST',
      path: '/connection-test/smtp',
      handler: 'connection-test.smtp',
      config: guard(ACTIONS.test),
    },
    {
      method: 'POST',
      path: '/connection-test/imap',
      handler: 'connection-test.imap',
      config: guard(ACTIONS.test),
    },
    {
      method: 'GET',
      path: '/outbound-messages',
      handler: 'outbound-message.find',
      config: guard(ACTIONS.deliveryLog),
    },
  ],
};

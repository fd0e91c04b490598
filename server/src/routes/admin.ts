import { pluginErrors } from '../errors';
import { ACTIONS } from '../permissions';

const guard = (action: string) => ({
  policies: [
    'admin::isAuthenticatedAdmin',
    { name: 'admin::hasPermissions', config: { actions: [action] } },
  ],
});

type Route = { method: string; path: string; handler: string; config: Record<string, unknown> };

/** Every route answers the plugin's errors the same way (errors.ts): no controller catches. */
const withErrors = (routes: Route[]) =>
  routes.map((route) => ({ ...route, config: { ...route.config, middlewares: [pluginErrors] } }));

// Served at /mail-server/... (admin routes of plugins have no /admin prefix).
export default {
  type: 'admin',
  routes: withErrors([
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
      handler: 'outbound-messages.find',
      config: guard(ACTIONS.deliveryLog),
    },
    {
      method: 'GET',
      path: '/inbox-health',
      handler: 'inbox-health.find',
      config: {
        policies: [
          'admin::isAuthenticatedAdmin',
          {
            name: 'plugin::mail-server.has-any-permission',
            config: { actions: [ACTIONS.read, ACTIONS.approvalsRead] },
          },
        ],
      },
    },
    {
      method: 'GET',
      path: '/outbound-messages/health',
      handler: 'outbound-messages.health',
      config: guard(ACTIONS.deliveryLog),
    },
    {
      method: 'POST',
      path: '/outbound-messages/:id/resend',
      handler: 'outbound-messages.resend',
      config: guard(ACTIONS.deliveryLogManage),
    },
    {
      method: 'POST',
      path: '/outbound-messages/:id/cancel',
      handler: 'outbound-messages.cancel',
      config: guard(ACTIONS.deliveryLogManage),
    },
    // OAuth2 (Microsoft 365): token status, "Connect account" and Disconnect per section.
    { method: 'GET', path: '/oauth/status', handler: 'oauth.status', config: guard(ACTIONS.read) },
    {
      method: 'POST',
      path: '/oauth/:section/connect',
      handler: 'oauth.connect',
      config: guard(ACTIONS.update),
    },
    {
      method: 'DELETE',
      path: '/oauth/:section',
      handler: 'oauth.disconnect',
      config: guard(ACTIONS.update),
    },
    // Microsoft redirects the browser here: no admin token, the sealed state and the cookie
    // set by /connect authenticate the request (see services/oauth.ts).
    { method: 'GET', path: '/oauth/callback', handler: 'oauth.callback', config: { auth: false } },
    {
      method: 'POST',
      path: '/approvals',
      handler: 'approvals.create',
      config: guard(ACTIONS.approvalsRequest),
    },
    {
      method: 'GET',
      path: '/approvals',
      handler: 'approvals.find',
      config: guard(ACTIONS.approvalsRead),
    },
    {
      method: 'POST',
      path: '/approvals/:id/cancel',
      handler: 'approvals.cancel',
      config: guard(ACTIONS.approvalsManage),
    },
    {
      method: 'POST',
      path: '/approvals/analyze',
      handler: 'approvals.analyze',
      config: guard(ACTIONS.approvalsRead),
    },
    {
      method: 'POST',
      path: '/approvals/inbox/run',
      handler: 'approvals.runInbox',
      config: guard(ACTIONS.approvalsManage),
    },
    {
      method: 'GET',
      path: '/inbound-messages',
      handler: 'inbound-messages.find',
      config: guard(ACTIONS.approvalsRead),
    },
    {
      method: 'POST',
      path: '/inbound-messages/:id/accept',
      handler: 'inbound-messages.accept',
      config: guard(ACTIONS.approvalsManage),
    },
    {
      method: 'POST',
      path: '/inbound-messages/:id/discard',
      handler: 'inbound-messages.discard',
      config: guard(ACTIONS.approvalsManage),
    },
  ]),
};

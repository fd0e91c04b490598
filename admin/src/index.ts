import { PLUGIN_ID } from './pluginId';
import { Mail } from '@strapi/icons';
import { APPROVAL_PERMISSIONS, DELIVERY_LOG_PERMISSIONS, PERMISSIONS } from './constants';
import { RequestApprovalPanel } from './components/RequestApprovalPanel';
import { getTranslation } from './utils/getTranslation';
import { rememberApp } from './utils/contentManager';

/**
 * Our keys under `EmailPage.` name things on Strapi's own Settings → Email page (the features
 * this provider reports), so they go under the email plugin's keys, unprefixed.
 */
const emailPageKey = (key: string) =>
  key.startsWith('EmailPage.feature.')
    ? `email.Settings.capabilities.feature.${key.slice('EmailPage.feature.'.length)}`
    : undefined;

type TranslationModule = { default: Record<string, string> };

export default {
  register(app: any) {
    // The app itself (bootstrap gets a few of its functions only): its store, once rendered.
    rememberApp(app);
    app.addSettingsLink(
      {
        id: PLUGIN_ID,
        intlLabel: { id: getTranslation('Settings.section'), defaultMessage: 'Mail Server' },
      },
      {
        id: 'settings',
        to: PLUGIN_ID,
        intlLabel: { id: getTranslation('Settings.link'), defaultMessage: 'Mail Server' },
        permissions: PERMISSIONS.read,
        Component: () =>
          import('./pages/SettingsPage').then((m) => ({ default: m.ProtectedSettingsPage })),
      }
    );
    // A second link in the same section: a section id (a string) adds to an existing section.
    app.addSettingsLink(PLUGIN_ID, {
      id: 'delivery-log',
      // A sibling of `mail-server`, not a child: a nested path would highlight both links.
      to: `${PLUGIN_ID}-delivery-log`,
      intlLabel: { id: getTranslation('DeliveryLog.link'), defaultMessage: 'Delivery log' },
      permissions: DELIVERY_LOG_PERMISSIONS.read,
      Component: () =>
        import('./pages/DeliveryLogPage').then((m) => ({ default: m.ProtectedDeliveryLogPage })),
    });
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: Mail,
      intlLabel: { id: getTranslation('Approvals.menu'), defaultMessage: 'Approvals' },
      permissions: APPROVAL_PERMISSIONS.read,
      Component: () =>
        import('./pages/ApprovalsPage').then((m) => ({ default: m.ProtectedApprovalsPage })),
    });
    app.registerPlugin({ id: PLUGIN_ID, name: 'Mail Server' });
  },

  bootstrap(app: any) {
    app.getPlugin('content-manager')?.apis?.addEditViewSidePanel([RequestApprovalPanel]);
  },

  async registerTrads({ locales }: { locales: string[] }) {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = (await import(
            `./translations/${locale}.json`
          )) as TranslationModule;
          const prefixed = Object.fromEntries(
            Object.entries(data).map(([key, value]) => [
              emailPageKey(key) ?? getTranslation(key),
              value,
            ])
          );
          return { data: prefixed, locale };
        } catch {
          return { data: {}, locale };
        }
      })
    );
  },
};

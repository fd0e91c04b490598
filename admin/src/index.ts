import { PLUGIN_ID } from './pluginId';
import { Mail } from '@strapi/icons';
import { APPROVAL_PERMISSIONS, PERMISSIONS } from './constants';
import { RequestApprovalPanel } from './components/RequestApprovalPanel';
import { getTranslation } from './utils/getTranslation';

type TranslationModule = { default: Record<string, string> };

export default {
  register(app: any) {
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
            Object.entries(data).map(([key, value]) => [getTranslation(key), value])
          );
          return { data: prefixed, locale };
        } catch {
          return { data: {}, locale };
        }
      })
    );
  },
};

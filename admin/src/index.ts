import { PLUGIN_ID } from './pluginId';
import { PERMISSIONS } from './constants';
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
    app.registerPlugin({ id: PLUGIN_ID, name: 'Mail Server' });
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

/**
 * The package subpath `strapi-plugin-mail-server/provider`, for apps that name the provider in
 * the email plugin's config instead of letting the plugin install itself:
 *   email: { config: { provider: 'strapi-plugin-mail-server/provider', settings: {...} } }
 * The plugin must be enabled too: it owns the settings and the connection pools.
 */
import type { Core } from '@strapi/strapi';
import { createProvider, type EmailPluginSettings } from './index';

export function init(_providerOptions: unknown, settings: EmailPluginSettings = {}) {
  // The email plugin creates its provider before this plugin's bootstrap; the global Strapi
  // instance is read at send time.
  return createProvider(() => (globalThis as unknown as { strapi: Core.Strapi }).strapi, settings);
}

export default { init };

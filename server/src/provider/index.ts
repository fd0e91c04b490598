/**
 * The Strapi email provider: what `strapi.plugin('email').service('email').send()` calls.
 * It holds no transport of its own; every send goes to the plugin's transport service, so a
 * settings change applies to the next email without a restart.
 */
import type { Core } from '@strapi/strapi';
import type { OutgoingMessage, SendResult } from '../mail';
import type { Capabilities } from '../services/transport';
import type { Services } from '../services';

/** The `settings` block of the email plugin's config (config/plugins.ts → email). */
export interface EmailPluginSettings {
  defaultFrom?: string;
  defaultReplyTo?: string;
}

export interface EmailProvider {
  send(options: OutgoingMessage): Promise<SendResult>;
  verify(): Promise<boolean>;
  isIdle(): boolean;
  close(): Promise<void>;
  getCapabilities(): Capabilities;
}

export function createProvider(
  getStrapi: () => Core.Strapi,
  settings: EmailPluginSettings = {}
): EmailProvider {
  const transport = () =>
    getStrapi().plugin('mail-server').service('transport') as Services['transport'];
  return {
    send(options) {
      return transport().send(options, {
        from: settings.defaultFrom,
        replyTo: settings.defaultReplyTo,
      });
    },

    async verify() {
      try {
        await transport().verify();
        return true;
      } catch (err) {
        // Strapi's Settings → Email page shows only the message: make it the diagnosis.
        // Duck-typed: the provider subpath is a bundle of its own, with its own copy of classes.
        const e = err as { code?: string; diagnosis?: string; fix?: string };
        if (e?.code && e.diagnosis) {
          throw Object.assign(new Error(`${e.code}: ${e.diagnosis} ${e.fix ?? ''}`.trim()), {
            code: e.code,
          });
        }
        throw err;
      }
    },

    isIdle: () => transport().isIdle(),
    // The plugin owns the pools and closes them in its destroy; Strapi never calls this.
    close: async () => undefined,
    getCapabilities: () => transport().capabilities(),
  };
}

/** The name Strapi's Settings → Email page (and its test email) gives the provider. */
export const PROVIDER_NAME = 'strapi-plugin-mail-server';

type EmailPluginConfig = { provider?: string; settings?: EmailPluginSettings };

/**
 * Makes this plugin the email provider (`replace`), and keeps what Strapi's Settings → Email
 * page reads from the email plugin's config true while it is: the provider's name, and the
 * sender and reply-to that emails really get (Settings → Mail Server's, else the app's
 * `defaultFrom` / `defaultReplyTo`). Returns the function that stops following the settings.
 */
export function installEmailProvider(strapi: Core.Strapi, replace: boolean): () => void {
  const config = (strapi.config.get('plugin::email') ?? {}) as EmailPluginConfig;
  // A copy: the config object is rewritten below, the app's defaults must stay the fallback.
  const appDefaults: EmailPluginSettings = { ...config.settings };
  if (replace) {
    strapi.plugin('email').provider = createProvider(() => strapi, appDefaults);
    strapi.config.set('plugin::email.provider', PROVIDER_NAME);
  } else if (!String(config.provider ?? '').startsWith(PROVIDER_NAME)) {
    return () => undefined; // another provider sends: its page is not ours to describe
  }
  const transport = strapi.plugin('mail-server').service('transport') as Services['transport'];
  return transport.onDefaults(({ from, replyTo }) => {
    strapi.config.set('plugin::email.settings.defaultFrom', from ?? appDefaults.defaultFrom);
    strapi.config.set(
      'plugin::email.settings.defaultReplyTo',
      replyTo ?? appDefaults.defaultReplyTo
    );
  });
}

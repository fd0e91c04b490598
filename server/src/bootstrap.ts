import type { Core } from '@strapi/strapi';
import { ACTION_DEFINITIONS } from './permissions';
import { installEmailProvider } from './provider';
import { getPluginConfig } from './utils/plugin-config';
import { getService } from './utils/get-service';
import { ensureCaseSensitive, ensureIndex, ensureUniqueIndex } from './utils/unique-index';
import { OUTBOUND_UID } from './services/outbound-messages';
import { INBOUND_UID } from './services/inbound-messages';
import { LEASE_UID } from './services/lease';
import { SEND_ACCOUNT_UID } from './services/send-limits';
import { OAUTH_CHECK_JOB, OAUTH_CHECK_RULE } from './services/oauth-check';

export const PRUNE_JOB = 'mail-server-delivery-log-prune';
export const INBOX_JOB = 'mail-server-inbox';

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await strapi.service('admin::permission').actionProvider.registerMany(ACTION_DEFINITIONS);

  // The email plugin bootstraps before this one (internal plugins first), so replacing its
  // provider here sticks; it reads the property on every send. The listener ends with the
  // transport's close (destroy).
  installEmailProvider(strapi, getPluginConfig(strapi).replaceEmailProvider);
  await getService(strapi, 'transport').prepare();

  // The idempotence of the approvals job rests on these being enforced by the database.
  await ensureCaseSensitive(strapi, INBOUND_UID, 'messageKey');
  await ensureUniqueIndex(strapi, INBOUND_UID, 'messageKey');
  await ensureUniqueIndex(strapi, LEASE_UID, 'name');
  // One row per sending account, whichever instance creates it first.
  await ensureUniqueIndex(strapi, SEND_ACCOUNT_UID, 'account');
  // The outbox looks for due rows every few seconds: by index, not through the whole log.
  await ensureIndex(strapi, OUTBOUND_UID, ['status', 'nextAttemptMs']);
  getService(strapi, 'outbox').start();

  getService(strapi, 'inbox').startIdle();

  strapi.cron.add({
    // Ticks every 10 s; the job itself waits for the poll interval of the settings, so a
    // change of interval applies without re-registering anything.
    [INBOX_JOB]: {
      task: () => getService(strapi, 'inbox').tick(),
      options: { rule: '*/10 * * * * *' },
    },
    // Renews OAuth2 tokens ahead of use and warns when one cannot be renewed.
    [OAUTH_CHECK_JOB]: {
      task: () => getService(strapi, 'oauth-check').task(),
      options: { rule: OAUTH_CHECK_RULE },
    },
    [PRUNE_JOB]: {
      task: async () => {
        try {
          await getService(strapi, 'outbound-messages').prune();
          await getService(strapi, 'inbound-messages').prune();
        } catch (err) {
          strapi.log.error(`[mail-server] pruning old rows failed: ${(err as Error).message}`);
        }
      },
      options: { rule: '17 3 * * *' },
    },
  });
};

import type { Core } from '@strapi/strapi';
import { INBOX_JOB, PRUNE_JOB } from './bootstrap';
import { OAUTH_CHECK_JOB } from './services/oauth-check';
import { getService } from './utils/get-service';

/** Everything the plugin opened closes here: cron jobs, pools, pending log rows, caches. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  strapi.cron.remove(PRUNE_JOB);
  strapi.cron.remove(INBOX_JOB);
  strapi.cron.remove(OAUTH_CHECK_JOB);
  await getService(strapi, 'inbox').stop();
  // The outbox finishes its sends in flight and gives back what it had claimed: what is
  // queued (answers to approvers too) stays in the database for the next start.
  await getService(strapi, 'outbox').stop();
  await getService(strapi, 'transport').close();
  await getService(strapi, 'outbound-messages').flush();
  await getService(strapi, 'oauth-check').close();
  getService(strapi, 'oauth').clear();
  getService(strapi, 'oauth-token').clear();
  getService(strapi, 'settings').clear();
};

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
  await getService(strapi, 'transport').close();
  await getService(strapi, 'delivery-log').flush();
  await getService(strapi, 'oauth-check').close();
  getService(strapi, 'oauth-flow').clear();
  getService(strapi, 'oauth').clear();
  getService(strapi, 'settings').clear();
};

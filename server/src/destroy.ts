import type { Core } from '@strapi/strapi';
import { INBOX_JOB, PRUNE_JOB } from './bootstrap';
import { getService } from './utils/get-service';

/** Everything the plugin opened closes here: cron jobs, pools, pending log rows, caches. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  strapi.cron.remove(PRUNE_JOB);
  strapi.cron.remove(INBOX_JOB);
  await getService(strapi, 'inbox').stop();
  await getService(strapi, 'transport').close();
  await getService(strapi, 'delivery-log').flush();
  getService(strapi, 'oauth').clear();
  getService(strapi, 'settings').clear();
};

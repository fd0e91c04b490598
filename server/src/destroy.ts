import type { Core } from '@strapi/strapi';
import { INBOX_JOB, PRUNE_JOB } from './bootstrap';
import { OAUTH_CHECK_JOB } from './services/oauth-check';
import { getService } from './utils/get-service';

const ANSWER_FLUSH_MS = 10_000;

/** Everything the plugin opened closes here: cron jobs, pools, pending log rows, caches. */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  strapi.cron.remove(PRUNE_JOB);
  strapi.cron.remove(INBOX_JOB);
  strapi.cron.remove(OAUTH_CHECK_JOB);
  await getService(strapi, 'inbox').stop();
  // Answers to approvers still queued get a moment to go out before the pools close.
  await getService(strapi, 'approval-mail').flush(ANSWER_FLUSH_MS);
  // The outbox finishes its sends in flight and gives back what it had claimed.
  await getService(strapi, 'outbox').stop();
  await getService(strapi, 'transport').close();
  await getService(strapi, 'outbound-messages').flush();
  await getService(strapi, 'oauth-check').close();
  getService(strapi, 'oauth').clear();
  getService(strapi, 'oauth-token').clear();
  getService(strapi, 'settings').clear();
};

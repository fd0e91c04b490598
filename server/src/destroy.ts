import type { Core } from '@strapi/strapi';
import { getService } from './utils/get-service';

/** Everything the plugin opened closes here: listeners, caches (later: pools, IDLE loops). */
export default async ({ strapi }: { strapi: Core.Strapi }) => {
  getService(strapi, 'settings').clear();
};

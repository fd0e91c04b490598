import type { Core } from '@strapi/strapi';

// Content types are declared in index.ts; nothing else must happen before bootstrap.
export default (_: { strapi: Core.Strapi }) => {};

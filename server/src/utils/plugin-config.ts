import type { Core } from '@strapi/strapi';
import { pluginConfigSchema, type PluginConfig } from '../config/schema';

/** The plugin config, parsed (defaults applied) once per Strapi instance. */
const cache = new WeakMap<object, PluginConfig>();

export function getPluginConfig(strapi: Core.Strapi): PluginConfig {
  let parsed = cache.get(strapi);
  if (!parsed) {
    parsed = pluginConfigSchema.parse(strapi.config.get('plugin::mail-server') ?? {});
    cache.set(strapi, parsed);
  }
  return parsed;
}

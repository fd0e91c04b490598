import fs from 'node:fs';
import type { PluginConfig } from '../config/schema';

const loaded = new Map<string, string>();

/**
 * The extra CA certificates from the plugin config (`tls.ca`): PEM text is used as is, anything
 * else is a path to a PEM file, read once. Verification itself always stays strict.
 */
export function trustedCas(config: PluginConfig): string[] {
  const entries = config.tls.ca === undefined ? [] : ([] as string[]).concat(config.tls.ca);
  return entries.map((entry) => {
    if (entry.includes('-----BEGIN')) return entry;
    let pem = loaded.get(entry);
    if (pem === undefined) {
      pem = fs.readFileSync(entry, 'utf8');
      loaded.set(entry, pem);
    }
    return pem;
  });
}

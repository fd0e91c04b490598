/**
 * Encryption of stored secrets (passwords, client secrets, token caches) with AES-256-GCM.
 * The key comes from the plugin config `encryptionKey` or, by default, the admin's
 * `admin.secrets.encryptionKey` (ENCRYPTION_KEY). Without a key nothing secret is stored:
 * `encrypt` throws instead of falling back to plaintext.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { PluginError } from '../errors';
import { getPluginConfig } from '../utils/plugin-config';

const PREFIX = 'mse1';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let signing: { base: string; key: Buffer } | null = null;
  const key = (): Buffer | null => {
    const raw =
      getPluginConfig(strapi).encryptionKey ??
      (strapi.config.get('admin.secrets.encryptionKey') as string | undefined);
    // SHA-256 turns a passphrase of any length into exactly the 32 bytes AES-256 needs.
    return raw ? crypto.createHash('sha256').update(`mail-server:${raw}`).digest() : null;
  };

  return {
    isAvailable(): boolean {
      return key() !== null;
    },

    encrypt(plain: string): string {
      const k = key();
      if (!k) {
        throw new PluginError(
          'ESECRETKEY',
          'No encryption key is configured, so secrets cannot be stored.',
          'Set ENCRYPTION_KEY (admin.secrets.encryptionKey in config/admin) or the plugin option `encryptionKey`, restart Strapi, then save again.'
        );
      }
      const iv = crypto.randomBytes(12);
      const cipher = crypto.createCipheriv('aes-256-gcm', k, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [PREFIX, iv.toString('base64'), tag.toString('base64'), body.toString('base64')].join(
        ':'
      );
    },

    /**
     * The key that signs approval references. Derived from the encryption key (or, without
     * one, the app keys) with its own label, so the two uses never share a key.
     */
    signingKey(): Buffer {
      const base =
        getPluginConfig(strapi).encryptionKey ??
        (strapi.config.get('admin.secrets.encryptionKey') as string | undefined) ??
        ((strapi.config.get('server.app.keys') as string[] | undefined) ?? []).join(',');
      if (!base) {
        throw new PluginError(
          'ESECRETKEY',
          'No key is configured to sign approval references.',
          'Set ENCRYPTION_KEY (admin.secrets.encryptionKey) or APP_KEYS, then restart Strapi.'
        );
      }
      // Derived once per base: every reply of a backlog verifies a reference with it.
      if (signing?.base !== base) {
        const derived = crypto.createHmac('sha256', base);
        signing = { base, key: derived.update('mail-server:approval-references').digest() };
      }
      return signing.key;
    },

    /** Throws ESECRETKEY when the value cannot be decrypted (key missing or changed). */
    decrypt(stored: string): string {
      const k = key();
      const [prefix, iv, tag, body] = stored.split(':');
      if (!k || prefix !== PREFIX || !iv || !tag || body === undefined) {
        throw undecryptable();
      }
      try {
        const decipher = crypto.createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        const plain = Buffer.concat([
          decipher.update(Buffer.from(body, 'base64')),
          decipher.final(),
        ]);
        return plain.toString('utf8');
      } catch {
        throw undecryptable();
      }
    },
  };
};

const undecryptable = () =>
  new PluginError(
    'ESECRETKEY',
    'A stored secret cannot be decrypted with the current encryption key (the key was changed or removed).',
    'Enter the password or client secret again in Settings → Mail Server and save.'
  );

export type SecretsService = ReturnType<typeof import('./secrets').default>;

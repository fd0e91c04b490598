/**
 * The Mail Server settings: one hidden single-type row, read through a small cache so the
 * send path does not query the database for every email, and invalidated on save.
 */
import type { Core } from '@strapi/strapi';
import type { z } from 'zod';
import {
  settingsInputSchema,
  type ImapInput,
  type SettingsInput,
  type SettingsView,
  type SmtpInput,
} from '../../../shared/contracts/settings';
import { parseInput } from '../utils/validate';
import { PluginError } from '../errors';
import { getPluginConfig } from '../utils/plugin-config';
import { getService } from '../utils/get-service';
import { describeChanges, destinationChanges, secretsUsed } from '../settings/destination';
import { parseClientCertificate, type MailError } from '../mail';
import {
  applyInput,
  eachSecret,
  OAUTH2_SECRETS,
  SECRETS,
  type SecretName,
  isConfigured,
  lockedPaths,
  normaliseStored,
  toEffective,
  toView,
  type Effective,
  type SectionKind,
  type Stored,
} from '../settings/model';

export const SETTINGS_UID = 'plugin::mail-server.settings';
/** Other Strapi instances may save too; re-read the row at most this often (ms). */
const STALE_AFTER_MS = 5_000;

type SectionInputOf<K extends SectionKind> = K extends 'smtp' ? SmtpInput : ImapInput;

interface StoredSettings {
  id: number | null;
  smtp: Stored<'smtp'>;
  imap: Stored<'imap'>;
  revision: number;
  updatedAt: string | null;
}

export default ({ strapi }: { strapi: Core.Strapi }) => {
  let cache: { at: number; value: StoredSettings } | null = null;
  const listeners = new Set<(revision: number) => void>();
  const effective = new WeakMap<StoredSettings, Map<SectionKind, Effective<SectionKind>>>();
  const query = () => strapi.db.query(SETTINGS_UID);
  const secrets = () => getService(strapi, 'secrets');

  async function read(): Promise<StoredSettings> {
    if (cache && Date.now() - cache.at < STALE_AFTER_MS) return cache.value;
    const row = await query().findOne({});
    const value: StoredSettings = {
      id: row?.id ?? null,
      smtp: normaliseStored('smtp', row?.smtp),
      imap: normaliseStored('imap', row?.imap),
      revision: row?.revision ?? 0,
      updatedAt: row?.updatedAt ? new Date(row.updatedAt).toISOString() : null,
    };
    const changed = cache !== null && cache.value.revision !== value.revision;
    cache = { at: Date.now(), value };
    if (changed) listeners.forEach((l) => l(value.revision));
    return value;
  }

  function view(stored: StoredSettings): SettingsView {
    const config = getPluginConfig(strapi);
    return {
      smtp: toView('smtp', stored.smtp, config.smtp),
      imap: toView('imap', stored.imap, config.imap),
      locked: [...lockedPaths('smtp', config.smtp), ...lockedPaths('imap', config.imap)],
      configured: {
        smtp: isConfigured({ ...stored.smtp, ...config.smtp }),
        imap: isConfigured({ ...stored.imap, ...config.imap }),
      },
      encryptionAvailable: secrets().isAvailable(),
      updatedAt: stored.updatedAt,
    };
  }

  /**
   * OAuth2 needs its credential (client secret or certificate), stored or from config; checked
   * after merging the save.
   */
  function requireSecrets(kind: SectionKind, section: Stored<SectionKind>) {
    const override = getPluginConfig(strapi)[kind];
    const used = secretsUsed(toEffective(kind, section, override, () => ''));
    for (const field of OAUTH2_SECRETS) {
      const fromConfig = (override.oauth2 as Record<string, unknown> | undefined)?.[field];
      if (used[field] && !section.oauth2[field] && fromConfig === undefined) {
        throw new PluginError('ECONFIG', 'is required for OAuth2', undefined, [
          kind,
          ...SECRETS[field].path,
        ]);
      }
    }
  }

  /** A typed certificate is read now: a broken bundle is a field error, nothing is saved. */
  function checkCertificate(kind: SectionKind, input: SectionInputOf<SectionKind> | undefined) {
    const pem = input?.oauth2.clientCertificate;
    if (!pem) return;
    try {
      parseClientCertificate(pem);
    } catch (err) {
      const e = err as MailError;
      throw new PluginError('ECONFIG', e.diagnosis ?? e.message, e.fix, [
        kind,
        ...SECRETS.clientCertificate.path,
      ]);
    }
  }

  /**
   * A save that changes where the section's secrets go without typing them again: a secret the
   * new destination needs is refused with a field error (it would otherwise follow the admin's
   * new host, user or identity platform); one it does not need is cleared. Returns whether the
   * destination changed, so the connected account (bound the same way) is dropped too.
   */
  function bindSecrets<K extends SectionKind>(
    kind: K,
    previous: Stored<K>,
    next: Stored<K>,
    input: SectionInputOf<K>
  ): { section: Stored<K>; moved: boolean } {
    const override = getPluginConfig(strapi)[kind];
    const open = (s: Stored<K>) => toEffective(kind, s, override, () => '');
    const before = open(previous);
    const after = open(next);
    const changed = destinationChanges(before, after);
    if (changed.length === 0) return { section: next, moved: false };
    const used = secretsUsed(after);
    const fromConfig = (override.oauth2 ?? {}) as Partial<Record<SecretName, string>>;
    const keep = (
      field: SecretName,
      stored: string | null,
      typed: string | null | undefined,
      configured: string | undefined
    ) => {
      if (typed !== undefined || stored === null || configured !== undefined) return stored;
      if (!used[field]) return null;
      throw new PluginError(
        'ESECRETDEST',
        `Type the ${SECRETS[field].words} again: the saved one is only sent to the destination it was saved for, and this save changes its ${describeChanges(changed)}.`,
        undefined,
        [kind, ...SECRETS[field].path]
      );
    };
    return {
      moved: true,
      section: {
        ...next,
        password: keep('password', next.password, input.password, override.password),
        oauth2: {
          ...next.oauth2,
          ...eachSecret((field) =>
            keep(field, next.oauth2[field], input.oauth2[field], fromConfig[field])
          ),
        },
      },
    };
  }

  return {
    async getView(): Promise<SettingsView> {
      return view(await read());
    },

    /**
     * Saves the sections present in the input; omitted sections and secrets are kept. Parsed
     * here too, not only in the controller: app code calling the service gets the same checks
     * and defaults (a field added later, such as the cloud, is never missing).
     */
    async save(raw: z.input<typeof settingsInputSchema>): Promise<SettingsView> {
      const input: SettingsInput = parseInput(settingsInputSchema, raw);
      cache = null;
      const current = await read();
      const encrypt = (plain: string) => secrets().encrypt(plain);
      const apply = <K extends SectionKind>(kind: K, section: SectionInputOf<K> | undefined) => {
        const previous = current[kind] as Stored<K>;
        if (!section) return { section: previous, moved: false };
        checkCertificate(kind, section);
        const bound = bindSecrets(
          kind,
          previous,
          applyInput(previous, section as never, encrypt),
          section
        );
        requireSecrets(kind, bound.section);
        return bound;
      };
      const smtp = apply('smtp', input.smtp);
      const imap = apply('imap', input.imap);
      const data = { smtp: smtp.section, imap: imap.section, revision: current.revision + 1 };
      if (current.id === null) await query().create({ data });
      else await query().update({ where: { id: current.id }, data });
      // A connected Microsoft 365 account is bound to the destination too (services/oauth-token.ts
      // would no longer use it): the row goes, so nothing keeps a refresh token for nowhere.
      for (const [kind, bound] of [
        ['smtp', smtp],
        ['imap', imap],
      ] as const) {
        if (!bound.moved) continue;
        await getService(strapi, 'oauth-connection').remove(kind);
        getService(strapi, 'oauth-token').forget(kind);
      }
      cache = null;
      const saved = await read();
      strapi.log.info(
        `[mail-server] settings saved (${Object.keys(input).join(', ') || 'nothing'}), revision ${saved.revision}`
      );
      listeners.forEach((l) => l(saved.revision));
      return view(saved);
    },

    /** The stored secrets (encrypted) of a section, for reuse when testing unsaved values. */
    async getStored<K extends SectionKind>(kind: K): Promise<Stored<K>> {
      return (await read())[kind] as Stored<K>;
    },

    /** What the mail code uses; throws ESECRETKEY when a stored secret cannot be decrypted. */
    async getEffective<K extends SectionKind>(kind: K): Promise<Effective<K>> {
      const value = await read();
      // Every send and every inbox batch asks: decrypt once per read of the row, not per call.
      let known = effective.get(value);
      if (!known) effective.set(value, (known = new Map()));
      const cached = known.get(kind) as Effective<K> | undefined;
      if (cached) return cached;
      const stored = value[kind] as Stored<K>;
      const config = getPluginConfig(strapi)[kind];
      const result = toEffective(kind, stored, config, (v) => secrets().decrypt(v));
      known.set(kind, Object.freeze(result) as Effective<SectionKind>);
      return result;
    },

    async getRevision(): Promise<number> {
      return (await read()).revision;
    },

    /** Called with the new revision whenever a save (here or, within seconds, elsewhere) lands. */
    onChange(listener: (revision: number) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    clear() {
      listeners.clear();
      cache = null;
    },
  };
};

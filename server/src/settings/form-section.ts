/**
 * Builds the section to test from unsaved form values. A saved secret is reused only when the
 * form points at exactly the destination it was saved for (settings/destination.ts): otherwise
 * anyone allowed to press Test could make Strapi send it to a host of their choice.
 */
import type { ImapInput, SmtpInput } from '../../../shared/contracts/settings';
import type { ImapOverride, SmtpOverride } from '../config/schema';
import { PluginError } from '../errors';
import { describeChanges, destinationChanges, secretsUsed } from './destination';
import {
  eachSecret,
  emptyStored,
  SECRETS,
  toEffective,
  type Effective,
  type SecretName,
  type SectionKind,
} from './model';

type FormOf<K extends SectionKind> = K extends 'smtp' ? SmtpInput : ImapInput;
type OverrideOf<K extends SectionKind> = K extends 'smtp' ? SmtpOverride : ImapOverride;

export function formSection<K extends SectionKind>(
  kind: K,
  form: FormOf<K>,
  saved: Effective<K> | null,
  override: OverrideOf<K>
): Effective<K> {
  const { password, oauth2, ...plain } = form;
  const base = emptyStored(kind);
  const withoutSecrets = { ...oauth2, ...eachSecret(() => null), certificateThumbprint: null };
  const section = toEffective(
    kind,
    { ...base, ...plain, password: null, oauth2: withoutSecrets } as never,
    override as never,
    () => ''
  ) as Effective<K>;

  // Secrets from the app's config are bound the same way: the form may point elsewhere. An
  // unreadable saved section (null) binds nothing: no secret may follow the form.
  const changed = saved === null ? null : destinationChanges(saved, section);
  const used = secretsUsed(section);
  const pick = (
    field: SecretName,
    typed: string | null | undefined,
    fromConfig: string | undefined,
    stored: string | undefined
  ) => {
    if (typed !== undefined && fromConfig === undefined) return typed ?? undefined;
    const reused = fromConfig ?? stored;
    if (reused === undefined || changed?.length === 0) return reused;
    // Not needed by what the form tests: withheld without a word.
    if (!used[field]) return undefined;
    const words = SECRETS[field].words;
    const what = fromConfig !== undefined ? `${words} from the app's config` : `saved ${words}`;
    // The rule stays (a secret only for its own destination); the answer says which part moved,
    // with stable names (`changed`) that the page words in its language.
    const parts = changed ? describeChanges(changed) : '';
    throw new PluginError(
      'ESECRETDEST',
      changed
        ? `The ${what} is withheld: it is only sent to the destination it was saved for, and the form changes its ${parts}.`
        : `The ${what} is withheld: the saved settings cannot be read, so the form's destination cannot be compared with them.`,
      fromConfig !== undefined
        ? 'Save the settings first, then test.'
        : `Type the ${words} again to test with the new ${parts || 'settings'}, or save the new settings first.`,
      [kind, ...SECRETS[field].path],
      {
        reason: changed ? 'destination-changed' : 'saved-unreadable',
        ...(changed ? { changed } : {}),
        secret: field,
      }
    );
  };
  const configured = (override.oauth2 ?? {}) as Partial<Record<SecretName, string>>;

  return {
    ...section,
    password: pick('password', password, override.password, saved?.password),
    oauth2: {
      ...section.oauth2,
      ...eachSecret((field) => pick(field, oauth2[field], configured[field], saved?.oauth2[field])),
    },
  };
}

/**
 * Builds the section to test from unsaved form values. A saved secret is reused only when the
 * form points at exactly the destination it was saved for (settings/destination.ts): otherwise
 * anyone allowed to press Test could make Strapi send it to a host of their choice.
 */
import type { ImapInput, SmtpInput } from '../../../shared/contracts/settings';
import type { ImapOverride, SmtpOverride } from '../config/schema';
import { PluginError } from '../errors';
import { describeChanges, destinationChanges, secretsUsed } from './destination';
import { emptyStored, toEffective, type Effective, type SectionKind } from './model';

type FormOf<K extends SectionKind> = K extends 'smtp' ? SmtpInput : ImapInput;
type OverrideOf<K extends SectionKind> = K extends 'smtp' ? SmtpOverride : ImapOverride;

export function formSection<K extends SectionKind>(
  kind: K,
  form: FormOf<K>,
  saved: Effective<K> | null,
  override: OverrideOf<K>
): Effective<K> {
  const { password, oauth2, ...plain } = form;
  const { clientSecret, ...oauth2Plain } = oauth2;
  const base = emptyStored(kind);
  const section = toEffective(
    kind,
    { ...base, ...plain, password: null, oauth2: { ...oauth2Plain, clientSecret: null } } as never,
    override as never,
    () => ''
  ) as Effective<K>;

  // Secrets from the app's config are bound the same way: the form may point elsewhere. An
  // unreadable saved section (null) binds nothing: no secret may follow the form.
  const changed = saved === null ? null : destinationChanges(saved, section);
  const used = secretsUsed(section);
  const pick = (
    typed: string | null | undefined,
    fromConfig: string | undefined,
    stored: string | undefined,
    field: 'password' | 'client secret'
  ) => {
    if (typed !== undefined && fromConfig === undefined) return typed ?? undefined;
    const reused = fromConfig ?? stored;
    if (reused === undefined || changed?.length === 0) return reused;
    // Not needed by what the form tests: withheld without a word.
    if (!used[field === 'password' ? 'password' : 'clientSecret']) return undefined;
    const what = fromConfig !== undefined ? `${field} from the app's config` : `saved ${field}`;
    throw new PluginError(
      'ESECRETDEST',
      `The ${what} is only sent to the destination it was saved for, and the form changes ${changed ? `its ${describeChanges(changed)}` : 'it'}.`,
      fromConfig !== undefined
        ? 'Save the settings first, then test.'
        : `Type the ${field} again to test against this destination, or save the new settings first.`,
      [kind, ...(field === 'password' ? ['password'] : ['oauth2', 'clientSecret'])]
    );
  };

  return {
    ...section,
    password: pick(password, override.password, saved?.password, 'password'),
    oauth2: {
      ...section.oauth2,
      clientSecret: pick(
        clientSecret,
        override.oauth2?.clientSecret,
        saved?.oauth2.clientSecret,
        'client secret'
      ),
    },
  };
}

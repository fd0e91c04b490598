/**
 * Builds the section to test from unsaved form values. A stored secret is reused only when the
 * form still points at the server (or identity platform) it was saved for: otherwise anyone
 * allowed to press Test could make Strapi send the saved password to a host of their choice.
 */
import type { ImapInput, SmtpInput } from '../../../shared/contracts/settings';
import type { ImapOverride, SmtpOverride } from '../config/schema';
import { PluginError } from '../errors';
import { emptyStored, toEffective, type Effective, type SectionKind } from './settings-model';

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

  const sameServer =
    saved !== null &&
    saved.host.toLowerCase() === section.host.toLowerCase() &&
    saved.port === section.port &&
    saved.username === section.username;
  const sameIdentity =
    saved !== null &&
    saved.oauth2.authorityHost === section.oauth2.authorityHost &&
    saved.oauth2.tenantId === section.oauth2.tenantId &&
    saved.oauth2.clientId === section.oauth2.clientId;

  const pick = (
    typed: string | null | undefined,
    fromConfig: string | undefined,
    stored: string | undefined,
    same: boolean,
    field: string
  ) => {
    if (fromConfig !== undefined) return fromConfig;
    if (typed !== undefined) return typed ?? undefined;
    if (stored === undefined) return undefined;
    if (same) return stored;
    throw new PluginError(
      'ECONFIG',
      `The saved ${field} is only sent to the server it was saved for.`,
      `Type the ${field} again to test against ${section.host}, or save the new settings first.`,
      [kind, ...(field === 'password' ? ['password'] : ['oauth2', 'clientSecret'])]
    );
  };

  return {
    ...section,
    password: pick(password, override.password, saved?.password, sameServer, 'password'),
    oauth2: {
      ...section.oauth2,
      clientSecret: pick(
        clientSecret,
        override.oauth2?.clientSecret,
        saved?.oauth2.clientSecret,
        sameIdentity,
        'client secret'
      ),
    },
  };
}

import type { Core } from '@strapi/strapi';
import type { MailAuth } from '../mail';
import { PluginError } from '../errors';
import { getService } from './get-service';
import type { Effective, SectionKind } from './settings-model';

/**
 * The login for a section: XOAUTH2 with a token from the OAuth service, a password, or none
 * (an SMTP relay that accepts mail from this host without login).
 */
export function sectionAuth(
  strapi: Core.Strapi,
  kind: SectionKind,
  section: Effective<SectionKind>
): MailAuth | undefined {
  if (section.oauth2.enabled) {
    const tokens = getService(strapi, 'oauth');
    return {
      user: section.username,
      getAccessToken: (opts) => tokens.getAccessToken(kind, section, opts),
    };
  }
  if (!section.username) return undefined;
  if (section.password === undefined) {
    throw new PluginError(
      'ECONFIG',
      `The ${kind.toUpperCase()} password is missing.`,
      'Enter the password of the account, or clear the username if the server needs no login.'
    );
  }
  return { user: section.username, pass: section.password };
}

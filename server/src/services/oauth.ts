/**
 * Access tokens for the OAuth2 (Microsoft 365) sections. One token source per identity
 * (authority, tenant, client, secret, scopes), kept for the life of the process so a token is
 * requested once per lifetime however many messages are sent.
 */
import crypto from 'node:crypto';
import type { Core } from '@strapi/strapi';
import { createTokenSource, type TokenSource } from '../mail';
import { getPluginConfig } from '../utils/plugin-config';
import { trustedCas } from '../utils/tls';
import type { Effective, SectionKind } from '../utils/settings-model';

export default ({ strapi }: { strapi: Core.Strapi }) => {
  const sources = new Map<string, TokenSource>();

  return {
    getAccessToken(
      _kind: SectionKind,
      section: Effective<SectionKind>,
      opts?: { forceRefresh?: boolean }
    ): Promise<string> {
      const {
        grant,
        tenantId,
        clientId,
        clientSecret = '',
        authorityHost,
        scopes,
      } = section.oauth2;
      // The secret is part of the identity (a new secret must not reuse the old token), but
      // only as a hash: map keys can end up in heap dumps.
      const key = crypto
        .createHash('sha256')
        .update(JSON.stringify([grant, authorityHost, tenantId, clientId, clientSecret, scopes]))
        .digest('hex');
      let source = sources.get(key);
      if (!source) {
        const ca = trustedCas(getPluginConfig(strapi));
        source = createTokenSource(
          { grant, tenantId, clientId, clientSecret, authorityHost, scopes },
          { ca }
        );
        sources.set(key, source);
      }
      return source.getAccessToken(opts);
    },

    clear() {
      sources.clear();
    },
  };
};

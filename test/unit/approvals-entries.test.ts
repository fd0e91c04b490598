/**
 * The link from a request to its entry's edit view (server/src/approvals/entries.ts): the
 * Content Manager's own paths, with the request's locale when it has one.
 */
import { expect, test } from '@jest/globals';
import { editPath } from '../../server/src/approvals/entries';

test('a collection type entry, with and without a locale; a single type', () => {
  expect(editPath('api::article.article', 'collectionType', 'abc123', null)).toBe(
    '/content-manager/collection-types/api::article.article/abc123'
  );
  expect(editPath('api::article.article', 'collectionType', 'abc123', 'fr')).toBe(
    '/content-manager/collection-types/api::article.article/abc123?plugins[i18n][locale]=fr'
  );
  expect(editPath('api::home.home', 'singleType', 'h1', 'en')).toBe(
    '/content-manager/single-types/api::home.home?plugins[i18n][locale]=en'
  );
});

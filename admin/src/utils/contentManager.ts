/**
 * The Content Manager's own data, refreshed from outside it: the edit view reads an entry
 * through the admin's Redux Toolkit Query cache (tag `Document`, id `<model>_<documentId>`), so
 * invalidating that tag makes the open edit view fetch the entry again — its status, its
 * Publish button — as it does after its own actions, with no page reload. `adminApi` is the
 * public RTK API the admin documents for plugins; the store is the app's, known once it renders.
 */
import { adminApi } from '@strapi/strapi/admin';

type StoreHolder = { store?: { dispatch(action: unknown): unknown } | null };
let app: StoreHolder | null = null;

/** Kept at the plugin's register (which gets the app itself); its store exists once it renders. */
export function rememberApp(strapiApp: StoreHolder) {
  app = strapiApp;
}

/** Makes the Content Manager read this entry (and its lists) again. */
export function refreshEntry(model: string, documentId: string) {
  const tags = [
    { type: 'Document', id: `${model}_${documentId}` },
    { type: 'Document', id: `${model}_LIST` },
    { type: 'RecentDocumentList' },
  ];
  const invalidate = adminApi.util.invalidateTags as unknown as (t: typeof tags) => unknown;
  app?.store?.dispatch(invalidate(tags));
}

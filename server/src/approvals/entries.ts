/**
 * What the Approvals page shows of each request's entry: the content type's display name and
 * the entry's title, read from the type's main field (the Content Manager's configuration,
 * else a title/name attribute), with a link to its edit view. Read once per content type for a
 * whole page of requests, never once per row. A title is only given to an admin whose role may
 * read the type: the stored request title is withheld from the others too.
 */
import type { Core } from '@strapi/strapi';
import type { ApprovalEntry } from '../../../shared/contracts/approval';
import type { ApprovalRow } from './types';

type Ability = { can: (action: string, subject?: unknown) => boolean };
type ContentType = {
  kind?: string;
  info?: { displayName?: string };
  attributes?: Record<string, { type?: string }>;
  options?: { draftAndPublish?: boolean };
};

/** The Content Manager's read action: who may read a type may see its entries' words. */
export const READ = 'plugin::content-manager.explorer.read';
const TITLE_TYPES = new Set(['string', 'text', 'email', 'uid', 'enumeration', 'integer']);

/** The main field of a type: what the Content Manager's list shows, when it can be read. */
async function mainField(strapi: Core.Strapi, uid: string, type: ContentType) {
  try {
    const config = (await strapi
      .plugin('content-manager')
      .service('content-types')
      .findConfiguration({ uid })) as { settings?: { mainField?: string } };
    const field = config.settings?.mainField;
    if (field && field !== 'id' && TITLE_TYPES.has(type.attributes?.[field]?.type ?? '')) {
      return field;
    }
  } catch {
    // No Content Manager configuration (a type it does not manage): the attribute guess below.
  }
  return ['title', 'name', 'label', 'subject'].find((a) => type.attributes?.[a]) ?? null;
}

/**
 * The edit view in the Content Manager, with the request's locale when it has one; relative to
 * the admin panel's own path (/admin unless configured otherwise), as its router takes it.
 */
export function editPath(
  uid: string,
  kind: string | undefined,
  documentId: string,
  locale?: string | null
) {
  const base =
    kind === 'singleType'
      ? `/content-manager/single-types/${uid}`
      : `/content-manager/collection-types/${uid}/${documentId}`;
  return locale ? `${base}?plugins[i18n][locale]=${encodeURIComponent(locale)}` : base;
}

export async function entriesOf(
  strapi: Core.Strapi,
  rows: ApprovalRow[],
  ability?: Ability
): Promise<Map<number, ApprovalEntry>> {
  const out = new Map<number, ApprovalEntry>();
  const byType = new Map<string, ApprovalRow[]>();
  for (const row of rows) byType.set(row.targetUid, [...(byType.get(row.targetUid) ?? []), row]);
  for (const [uid, group] of byType) {
    const type = strapi.contentTypes[uid as keyof typeof strapi.contentTypes] as
      ContentType | undefined;
    // Without an ability (server code) everything is readable, as in the services.
    const readable = !!type && (!ability || ability.can(READ, uid));
    const field = readable && type ? await mainField(strapi, uid, type) : null;
    const titles = new Map<string, string>();
    if (field && type) {
      // One query for the whole group; the draft row is the one the request is about.
      const found = (await strapi.db.query(uid as never).findMany({
        where: {
          documentId: { $in: [...new Set(group.map((r) => r.targetDocumentId))] },
          ...(type.options?.draftAndPublish ? { publishedAt: null } : {}),
        },
        select: ['documentId', field, ...(type.attributes?.locale ? ['locale'] : [])],
      })) as Array<Record<string, unknown>>;
      for (const entry of found) {
        const value = entry[field];
        if (value === null || value === undefined || value === '') continue;
        const title = String(value).slice(0, 200);
        titles.set(`${entry.documentId}|${entry.locale ?? ''}`, title);
        // Any locale's title, for a request made before its locale was recorded.
        if (!titles.has(`${entry.documentId}|*`)) titles.set(`${entry.documentId}|*`, title);
      }
    }
    for (const row of group) {
      const title = readable
        ? (titles.get(`${row.targetDocumentId}|${row.targetLocale ?? ''}`) ??
          titles.get(`${row.targetDocumentId}|*`) ??
          row.title ??
          null)
        : null;
      out.set(row.id, {
        uid,
        displayName: type?.info?.displayName ?? uid,
        documentId: row.targetDocumentId,
        locale: row.targetLocale ?? null,
        readable,
        title,
        path:
          readable && type
            ? editPath(uid, type.kind, row.targetDocumentId, row.targetLocale)
            : null,
      });
    }
  }
  return out;
}

/**
 * What the request email shows, read from Strapi: the draft being approved and its published
 * version (relations, media and components one level deep), the schemas, the Content Manager's
 * labels and main fields, and the approvers' admin languages. Reads only, done before the
 * request's transaction opens.
 */
import type { Core } from '@strapi/strapi';
import type { Attribute, Schema } from './fields';

export interface EntryView {
  schema: Schema;
  components: Record<string, Schema>;
  draft: Record<string, unknown>;
  /** null when the entry has never been published */
  published: Record<string, unknown> | null;
  mainFields: Record<string, string | undefined>;
  labels: Record<string, string | undefined>;
}

type CmConfiguration = {
  settings?: { mainField?: string };
  metadatas?: Record<string, { edit?: { label?: string } }>;
};

/** The Content Manager's configuration of a type, or null (another admin plugin, an old one). */
async function configurationOf(strapi: Core.Strapi, uid: string): Promise<CmConfiguration | null> {
  try {
    const service = strapi.plugin('content-manager')?.service('content-types') as
      { findConfiguration?: (ct: { uid: string }) => Promise<CmConfiguration> } | undefined;
    return (await service?.findConfiguration?.({ uid })) ?? null;
  } catch {
    return null;
  }
}

function schemaOf(
  model: { info?: { displayName?: string }; attributes?: object },
  uid: string
): Schema {
  return {
    displayName: model.info?.displayName ?? uid,
    attributes: (model.attributes ?? {}) as Record<string, Attribute>,
  };
}

export async function loadEntryView(
  strapi: Core.Strapi,
  target: { uid: string; documentId: string; locale: string | null }
): Promise<EntryView | null> {
  const model = strapi.contentType(target.uid as never) as
    | {
        info?: { displayName?: string };
        attributes?: object;
        options?: { draftAndPublish?: boolean };
      }
    | undefined;
  if (!model) return null;
  const schema = schemaOf(model, target.uid);
  const docs = strapi.documents(target.uid as never);
  const find = (status: 'draft' | 'published') =>
    docs.findOne({
      documentId: target.documentId,
      locale: target.locale ?? undefined,
      status,
      populate: '*',
    } as never) as Promise<Record<string, unknown> | null>;
  const draft = await find('draft');
  if (!draft) return null;
  const published = model.options?.draftAndPublish ? await find('published') : null;

  const components: Record<string, Schema> = {};
  for (const [uid, component] of Object.entries(strapi.components ?? {})) {
    components[uid] = schemaOf(component as never, uid);
  }
  const mainFields: Record<string, string | undefined> = {};
  for (const attribute of Object.values(schema.attributes)) {
    if (attribute.type !== 'relation' || !attribute.target || attribute.target in mainFields)
      continue;
    mainFields[attribute.target] = (await configurationOf(strapi, attribute.target))?.settings
      ?.mainField;
  }
  const own = await configurationOf(strapi, target.uid);
  const labels: Record<string, string | undefined> = {};
  for (const name of Object.keys(schema.attributes)) {
    labels[name] = own?.metadatas?.[name]?.edit?.label;
  }
  return { schema, components, draft, published, mainFields, labels };
}

/** Each approver's email language preference (`admin::user`.preferedLanguage), by address. */
export async function approverLanguages(
  strapi: Core.Strapi,
  addresses: string[]
): Promise<Map<string, unknown>> {
  const lower = addresses.map((a) => a.trim().toLowerCase());
  const users = (await strapi.db.query('admin::user').findMany({
    where: { email: { $in: [...new Set([...addresses, ...lower])] } },
    select: ['email', 'preferedLanguage'],
  })) as Array<{ email: string; preferedLanguage?: string | null }>;
  const byEmail = new Map(users.map((u) => [u.email.trim().toLowerCase(), u.preferedLanguage]));
  return new Map(addresses.map((a) => [a, byEmail.get(a.trim().toLowerCase())]));
}

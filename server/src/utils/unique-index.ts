import type { Core } from '@strapi/strapi';

/**
 * Indexes Strapi's schema cannot declare, created at bootstrap; idempotent (CREATE INDEX IF
 * NOT EXISTS: SQLite, PostgreSQL, MariaDB).
 */
export async function ensureIndex(
  strapi: Core.Strapi,
  uid: string,
  attributes: string[],
  { unique = false }: { unique?: boolean } = {}
) {
  const meta = strapi.db.metadata.get(uid as never);
  const columns = attributes.map(
    (attribute) =>
      (meta.attributes[attribute] as { columnName?: string } | undefined)?.columnName ?? attribute
  );
  const name = `${meta.tableName}_${columns.join('_')}_${unique ? 'uq' : 'ix'}`.slice(0, 60);
  const knex = strapi.db.connection;
  const schema = strapi.db.getSchemaName?.();
  const table = schema ? `${schema}.${meta.tableName}` : meta.tableName;
  if (!(await knex.schema.hasTable(meta.tableName))) return;
  await knex.raw(
    `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ?? ON ?? (${columns.map(() => '??').join(', ')})`,
    [name, table, ...columns]
  );
}

/**
 * Strapi's `unique` attribute option is checked by its validators, not by the database; the
 * approval job needs the database itself to refuse a duplicate (two instances racing).
 */
export const ensureUniqueIndex = (strapi: Core.Strapi, uid: string, attribute: string) =>
  ensureIndex(strapi, uid, [attribute], { unique: true });

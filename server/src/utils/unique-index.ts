import type { Core } from '@strapi/strapi';

/**
 * Strapi's `unique` attribute option is checked by its validators, not by the database; the
 * approval job needs the database itself to refuse a duplicate (two instances racing), so the
 * index is created here at bootstrap. Idempotent on SQLite, PostgreSQL and MySQL 8.
 */
export async function ensureUniqueIndex(strapi: Core.Strapi, uid: string, attribute: string) {
  const meta = strapi.db.metadata.get(uid as never);
  const column = (meta.attributes[attribute] as { columnName?: string }).columnName ?? attribute;
  const name = `${meta.tableName}_${column}_uq`.slice(0, 60);
  const knex = strapi.db.connection;
  const schema = strapi.db.getSchemaName?.();
  const table = schema ? `${schema}.${meta.tableName}` : meta.tableName;
  const exists = await knex.schema.hasTable(meta.tableName);
  if (!exists) return;
  await knex.raw(`CREATE UNIQUE INDEX IF NOT EXISTS ?? ON ?? (??)`, [name, table, column]);
}

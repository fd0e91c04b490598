import type { Core } from '@strapi/strapi';

/**
 * Indexes Strapi's schema cannot declare, created at bootstrap; idempotent on SQLite,
 * PostgreSQL, MariaDB and MySQL.
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
  const list = columns.map(() => '??').join(', ');
  const kind = unique ? 'UNIQUE ' : '';
  if (strapi.db.dialect.client === 'mysql') {
    // MySQL 8 has no CREATE INDEX IF NOT EXISTS (MariaDB has): look it up first.
    const [rows] = (await knex.raw(
      'SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? AND index_name = ? LIMIT 1',
      [meta.tableName, name]
    )) as unknown as [unknown[]];
    if (rows.length === 0) {
      await knex.raw(`CREATE ${kind}INDEX ?? ON ?? (${list})`, [name, table, ...columns]);
    }
    return;
  }
  await knex.raw(`CREATE ${kind}INDEX IF NOT EXISTS ?? ON ?? (${list})`, [name, table, ...columns]);
}

/**
 * Strapi's `unique` attribute option is checked by its validators, not by the database; the
 * approval job needs the database itself to refuse a duplicate (two instances racing).
 */
export const ensureUniqueIndex = (strapi: Core.Strapi, uid: string, attribute: string) =>
  ensureIndex(strapi, uid, [attribute], { unique: true });

/**
 * MySQL and MariaDB compare strings by their collation, case-insensitive by default: two
 * Message-IDs that differ only in case (their local part is case-sensitive, RFC 5322) would be
 * one key. The column is given a binary collation, once; Strapi's schema sync does not look at
 * collations, so it stays. Other databases compare bytes already.
 */
export async function ensureCaseSensitive(strapi: Core.Strapi, uid: string, attribute: string) {
  if (strapi.db.dialect.client !== 'mysql') return;
  const meta = strapi.db.metadata.get(uid as never);
  const column =
    (meta.attributes[attribute] as { columnName?: string } | undefined)?.columnName ?? attribute;
  const knex = strapi.db.connection;
  const [rows] = (await knex.raw(
    'SELECT COLUMN_TYPE AS type, IS_NULLABLE AS nullable, COLLATION_NAME AS collation FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? AND column_name = ?',
    [meta.tableName, column]
  )) as unknown as [Array<{ type: string; nullable: string; collation: string | null }>];
  const found = rows[0];
  if (!found?.collation || found.collation.endsWith('_bin')) return;
  // The column's own type (varchar(255)) and nullability, with the binary collation of its set.
  const charset = found.collation.split('_')[0];
  if (!/^[a-z0-9]+$/i.test(charset) || !/^[a-z]+\(\d+\)$/i.test(found.type)) return;
  await knex.raw(
    `ALTER TABLE ?? MODIFY ?? ${found.type} CHARACTER SET ${charset} COLLATE ${charset}_bin ${found.nullable === 'YES' ? 'NULL' : 'NOT NULL'}`,
    [meta.tableName, column]
  );
}

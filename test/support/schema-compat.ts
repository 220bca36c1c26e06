/**
 * Does a schema change survive a mixed fleet? During a gradual deployment
 * (and after a rollback) the previous release's code runs against the new
 * schema. This checker derives the previous release's queries from the
 * schema it was written against — for every table, the INSERT, SELECT,
 * UPDATE and DELETE of exactly the columns it knew — and runs them against a
 * database upgraded in place (with a row written before the upgrade) or
 * created new. A statement that the previous schema accepts and the new one
 * refuses is an incompatibility: a dropped or renamed table or column, a new
 * NOT NULL column without a default, a tighter CHECK…
 */
export type SqlValue = string | number | null;
export type Row = Record<string, unknown>;

/** One SQLite database (D1 or a Durable Object's storage), async for both. */
export interface SqlTarget {
  exec(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
}

export function d1Target(db: D1Database): SqlTarget {
  return {
    exec: async (sql, params = []) =>
      (
        await db
          .prepare(sql)
          .bind(...params)
          .all<Row>()
      ).results,
  };
}

export function sqliteTarget(sql: SqlStorage): SqlTarget {
  return { exec: async (text, params = []) => sql.exec(text, ...params).toArray() as Row[] };
}

interface Column {
  name: string;
  type: string;
  pk: number;
}

export interface TableSurface {
  table: string;
  columns: Column[];
  createSql: string;
}

/** Internal tables of D1, Durable Objects and migration bookkeeping. */
const INTERNAL = /^(sqlite_|_cf_|d1_migrations$|_schema$)/;

/** Every user table with its columns, as the target's schema has them. */
export async function surfaceOf(target: SqlTarget): Promise<TableSurface[]> {
  const tables = await target.exec(
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name",
  );
  const surfaces: TableSurface[] = [];
  for (const { name, sql } of tables) {
    const table = String(name);
    if (INTERNAL.test(table)) continue;
    const columns = (await target.exec(`PRAGMA table_info("${table}")`)).map((c) => ({
      name: String(c.name),
      type: String(c.type).toUpperCase(),
      pk: Number(c.pk),
    }));
    surfaces.push({ table, columns, createSql: String(sql ?? '') });
  }
  return surfaces;
}

/** A value the previous schema accepts for `column` (a CHECK … IN list's first member). */
function sampleValue(surface: TableSurface, column: Column): SqlValue {
  const allowed = new RegExp(`\\b${column.name}\\s+IN\\s*\\(\\s*'([^']*)'`, 'i').exec(
    surface.createSql,
  );
  if (allowed?.[1] !== undefined) return allowed[1];
  if (/INT|REAL|NUM|FLOA|DOUB/.test(column.type)) return 1;
  return `compat-${surface.table}-${column.name}`;
}

export interface Query {
  table: string;
  kind: 'insert' | 'select' | 'update' | 'delete';
  sql: string;
  params: SqlValue[];
}

/** The previous release's queries on `surface`: one row's whole life. */
export function queriesOf(surface: TableSurface): { insert: Query; after: Query[] } {
  const { table, columns } = surface;
  const names = columns.map((c) => `"${c.name}"`);
  const values = columns.map((c) => sampleValue(surface, c));
  const keys = columns.some((c) => c.pk > 0)
    ? columns.filter((c) => c.pk > 0)
    : columns.slice(0, 1);
  const where = keys.map((c) => `"${c.name}" = ?`).join(' AND ');
  const keyValues = keys.map((c) => sampleValue(surface, c));
  const others = columns.filter((c) => !keys.includes(c));
  const q = (kind: Query['kind'], sql: string, params: SqlValue[]): Query => ({
    table,
    kind,
    sql,
    params,
  });
  const insert = q(
    'insert',
    `INSERT INTO "${table}" (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`,
    values,
  );
  const after = [
    q('select', `SELECT ${names.join(', ')} FROM "${table}" WHERE ${where}`, keyValues),
    ...(others.length
      ? [
          q(
            'update',
            `UPDATE "${table}" SET ${others.map((c) => `"${c.name}" = ?`).join(', ')} WHERE ${where}`,
            [...others.map((c) => sampleValue(surface, c)), ...keyValues],
          ),
        ]
      : []),
    q('delete', `DELETE FROM "${table}" WHERE ${where}`, keyValues),
    insert,
    q('select', `SELECT ${names.join(', ')} FROM "${table}" WHERE ${where}`, keyValues),
  ];
  return { insert, after };
}

export interface Outcome {
  ok: boolean;
  error?: string;
}

export async function attempt(target: SqlTarget, query: Query): Promise<Outcome> {
  try {
    await target.exec(query.sql, query.params);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Statements the previous schema accepted and the new one refused, as
 * readable lines (empty: compatible). `previous` and `next` have each run
 * the same sequence: each query's outcome on one is compared with the other's.
 */
export function incompatibilities(
  queries: readonly Query[],
  previous: readonly Outcome[],
  next: readonly Outcome[],
): string[] {
  return queries.flatMap((query, i) =>
    previous[i]?.ok && !next[i]?.ok
      ? [`${query.table}: ${query.kind} "${query.sql}" fails: ${next[i]?.error ?? 'no outcome'}`]
      : [],
  );
}

/**
 * Schema versions for Durable Object SQLite storage. A DO calls `migrateSqlite`
 * in its constructor with its steps in order; step N runs once per object, in
 * one transaction with the record that it ran, so an object created before a
 * deploy picks up the new columns and tables on its next start. Steps are
 * append-only, like D1 migrations: never edit one that has shipped.
 */
export type SchemaStep = readonly string[];

/** Applies the steps this object has not run yet; returns the schema version. */
export function migrateSqlite(storage: DurableObjectStorage, steps: readonly SchemaStep[]): number {
  storage.sql.exec(
    'CREATE TABLE IF NOT EXISTS _schema (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const current =
    storage.sql.exec<{ v: number | null }>('SELECT MAX(version) AS v FROM _schema').one().v ?? 0;
  for (let version = current + 1; version <= steps.length; version++) {
    const step = steps[version - 1] ?? [];
    storage.transactionSync(() => {
      for (const statement of step) storage.sql.exec(statement);
      storage.sql.exec(
        'INSERT INTO _schema (version, applied_at) VALUES (?, ?)',
        version,
        Date.now(),
      );
    });
  }
  return steps.length;
}

/**
 * Whether this object has the table: a read that creates nothing, for an
 * object that must not come into existence (storage) until it is written.
 */
export function hasTable(storage: DurableObjectStorage, table: string): boolean {
  return (
    storage.sql
      .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", table)
      .toArray().length > 0
  );
}

/**
 * Schema changes survive a mixed fleet (expand → migrate → contract,
 * docs/operations.md): the previous release's queries still run against
 * every D1 database migrated to the current head (`applyD1Migrations`, in
 * place, with rows written before the upgrade) and against every Durable
 * Object's SQLite upgraded by the current `migrateSqlite` steps — or created
 * new by them, as after a rollback. Shipped D1 migrations never change.
 */
import { applyD1Migrations, type D1Migration, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { RECORD_SCHEMA } from '../src/idempotency/record';
import { LIMITER_SCHEMA } from '../src/ratelimit/limiter';
import { PREVIOUS_RELEASE } from '../test/compat/previous-release';
import {
  attempt,
  d1Target,
  incompatibilities,
  type Outcome,
  type Query,
  queriesOf,
  type SqlTarget,
  sqliteTarget,
  surfaceOf,
  type TableSurface,
} from '../test/support/schema-compat';
import { SHARD_SCHEMA } from '../workers/inventory/src/schema';
import { SAGA_SCHEMA } from '../workers/orders/src/saga-store';
import { LEDGER_SCHEMA } from '../workers/payments/src/ledger-schema';
import { migrateSqlite, type SchemaStep } from './do-schema';

const testEnv = env as unknown as {
  TEST_MIGRATIONS: Record<string, D1Migration[]>;
  SCHEMA_COMPAT_PREVIOUS_DB: D1Database;
  SCHEMA_COMPAT_HEAD_DB: D1Database;
  FLAG_STORE: GatewayEnv['FLAG_STORE'];
};

async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)),
  );
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function reset(db: D1Database): Promise<void> {
  const { results } = await db
    .prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'",
    )
    .all<{ name: string }>();
  for (const { name } of results) await db.prepare(`DROP TABLE IF EXISTS "${name}"`).run();
}

async function runAll(target: SqlTarget, queries: readonly Query[]): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const query of queries) outcomes.push(await attempt(target, query));
  return outcomes;
}

/** Rows written by the previous release before the upgrade: each must be writable there. */
async function seed(target: SqlTarget, surfaces: readonly TableSurface[]): Promise<string[]> {
  const refused: string[] = [];
  for (const surface of surfaces) {
    const outcome = await attempt(target, queriesOf(surface).insert);
    if (!outcome.ok) refused.push(`${surface.table}: ${outcome.error}`);
  }
  return refused;
}

describe('D1: the previous release’s queries on databases migrated to head', () => {
  for (const [folder, shipped] of Object.entries(PREVIOUS_RELEASE.d1)) {
    it(`${folder}: shipped migrations unchanged, and old reads and writes still work`, async () => {
      const all = testEnv.TEST_MIGRATIONS[folder] ?? [];
      const previous = all.slice(0, shipped.length);
      const hashes = await Promise.all(previous.map((m) => sha256(m.queries.join('\n'))));
      expect(hashes, 'a shipped migration changed: add a new one instead').toEqual(shipped);

      const old = testEnv.SCHEMA_COMPAT_PREVIOUS_DB;
      const head = testEnv.SCHEMA_COMPAT_HEAD_DB;
      await reset(old);
      await reset(head);
      await applyD1Migrations(old, previous);
      await applyD1Migrations(head, previous);
      const surfaces = await surfaceOf(d1Target(old));
      expect(surfaces.length).toBeGreaterThan(0);
      expect(await seed(d1Target(old), surfaces), 'the checker cannot write a row').toEqual([]);
      expect(await seed(d1Target(head), surfaces)).toEqual([]);
      // The upgrade runs over the previous release's rows, as in production.
      await applyD1Migrations(head, all);

      const queries = surfaces.flatMap((s) => queriesOf(s).after);
      const problems = incompatibilities(
        queries,
        await runAll(d1Target(old), queries),
        await runAll(d1Target(head), queries),
      );
      expect(problems).toEqual([]);
    });
  }
});

interface DurableObjectCheck {
  problems: string[];
  /** Tables whose columns differ between an upgraded object and a new one. */
  drift: string[];
}

/** Runs `fn` on the SQLite storage of a fresh, otherwise unused object (a scratch database). */
function inScratchObject<T>(fn: (storage: DurableObjectStorage) => Promise<T>): Promise<T> {
  const stub = testEnv.FLAG_STORE.getByName(`schema-compat-${crypto.randomUUID()}`);
  return runInDurableObject(stub, (_instance, state) => fn(state.storage));
}

const columnsOf = (surfaces: readonly TableSurface[]) =>
  Object.fromEntries(surfaces.map((s) => [s.table, s.columns.map((c) => c.name).sort()]));

async function checkDurableObject(
  previous: { createdBy: 'steps' | 'inline'; steps: readonly SchemaStep[] },
  steps: readonly SchemaStep[],
): Promise<DurableObjectCheck> {
  // An object as the previous release left it.
  const create = async (storage: DurableObjectStorage) => {
    if (previous.createdBy === 'steps') migrateSqlite(storage, previous.steps);
    else for (const statement of previous.steps.flat()) storage.sql.exec(statement);
  };
  const old = await inScratchObject(async (storage) => {
    await create(storage);
    const target = sqliteTarget(storage.sql);
    const surfaces = await surfaceOf(target);
    const refused = await seed(target, surfaces);
    const queries = surfaces.flatMap((s) => queriesOf(s).after);
    return { surfaces, refused, queries, outcomes: await runAll(target, queries) };
  });
  expect(old.refused, 'the checker cannot write a row').toEqual([]);
  const inserts = old.surfaces.map((s) => queriesOf(s).insert);

  const upgraded = await inScratchObject(async (storage) => {
    await create(storage);
    await seed(sqliteTarget(storage.sql), old.surfaces);
    migrateSqlite(storage, steps);
    const target = sqliteTarget(storage.sql);
    return { surfaces: await surfaceOf(target), outcomes: await runAll(target, old.queries) };
  });
  const fresh = await inScratchObject(async (storage) => {
    migrateSqlite(storage, steps);
    const target = sqliteTarget(storage.sql);
    const seeded = await runAll(target, inserts);
    return {
      surfaces: await surfaceOf(target),
      seeded,
      outcomes: await runAll(target, old.queries),
    };
  });

  const upgradedColumns = columnsOf(upgraded.surfaces);
  const freshColumns = columnsOf(fresh.surfaces);
  const drift = Object.keys({ ...upgradedColumns, ...freshColumns }).filter(
    (t) => JSON.stringify(upgradedColumns[t]) !== JSON.stringify(freshColumns[t]),
  );
  const allOk = inserts.map(() => ({ ok: true }));
  return {
    problems: [
      ...incompatibilities(old.queries, old.outcomes, upgraded.outcomes),
      ...incompatibilities(inserts, allOk, fresh.seeded),
      ...incompatibilities(old.queries, old.outcomes, fresh.outcomes),
    ],
    drift,
  };
}

const CURRENT_STEPS: Record<string, readonly SchemaStep[]> = {
  InventoryShard: SHARD_SCHEMA,
  AccountLedger: LEDGER_SCHEMA,
  OrderSaga: SAGA_SCHEMA,
  RateLimiter: LIMITER_SCHEMA,
  IdempotencyRecord: RECORD_SCHEMA,
};

describe('Durable Object SQLite: the previous release’s queries after migrateSqlite', () => {
  for (const [name, previous] of Object.entries(PREVIOUS_RELEASE.durableObjects)) {
    it(`${name}: old reads and writes work on upgraded and on new objects, which have one schema`, async () => {
      const steps = CURRENT_STEPS[name];
      if (!steps) throw new Error(`no current schema steps for ${name}`);
      const shipped = steps.slice(0, previous.steps);
      const statements = shipped.flat().map((sql) => sql.replace(/\s+/g, ' ').trim());
      expect(await sha256(statements.join(';\n')), 'a shipped step changed: add a new one').toBe(
        previous.sha256,
      );
      const { problems, drift } = await checkDurableObject(
        { createdBy: previous.createdBy, steps: shipped },
        steps,
      );
      expect(problems).toEqual([]);
      expect(
        drift,
        'an upgraded object and a new one must have the same tables and columns',
      ).toEqual([]);
    });
  }
});

describe('the compatibility check itself', () => {
  const table = 'CREATE TABLE t (id TEXT PRIMARY KEY, a TEXT NOT NULL, b INTEGER)';
  const previous = { createdBy: 'steps' as const, steps: [[table]] };

  it('passes an expand step: a new nullable column', async () => {
    const { problems, drift } = await checkDurableObject(previous, [
      [table],
      ['ALTER TABLE t ADD COLUMN c TEXT'],
    ]);
    expect(problems).toEqual([]);
    expect(drift).toEqual([]);
  });

  it('catches a contract in the same release: a dropped column', async () => {
    const { problems } = await checkDurableObject(previous, [
      [table],
      ['ALTER TABLE t DROP COLUMN b'],
    ]);
    expect(problems.some((p) => p.includes('"b"') && p.includes('fails'))).toBe(true);
  });

  it('catches a new NOT NULL column without a default: old inserts fail', async () => {
    const { problems } = await checkDurableObject(previous, [
      [table],
      [
        'CREATE TABLE t2 (id TEXT PRIMARY KEY, a TEXT NOT NULL, b INTEGER, c TEXT NOT NULL)',
        "INSERT INTO t2 SELECT id, a, b, 'x' FROM t",
        'DROP TABLE t',
        'ALTER TABLE t2 RENAME TO t',
      ],
    ]);
    expect(problems.some((p) => p.startsWith('t: insert'))).toBe(true);
  });

  it('catches a step that upgraded objects skip (CREATE TABLE IF NOT EXISTS with a new column)', async () => {
    const { drift } = await checkDurableObject(
      {
        createdBy: 'inline',
        steps: [['CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, a TEXT)']],
      },
      [['CREATE TABLE IF NOT EXISTS t (id TEXT PRIMARY KEY, a TEXT, b TEXT)']],
    );
    expect(drift).toEqual(['t']);
  });
});

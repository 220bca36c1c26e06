/**
 * The previous release, as a mixed fleet meets it: the schema its code was
 * written against. Taken from commit 7462d4a (the last commit on main that
 * touched a migration before runtime flags), verbatim, so that later edits of
 * the current code cannot change what "previous" means:
 * - D1: how many migrations each database had, with a hash of each, so a
 *   shipped migration can never be edited in place (append-only);
 * - Durable Object SQLite: the statements each class ran to create its
 *   tables (steps for `migrateSqlite`, or the inline CREATEs of classes that
 *   had no steps yet).
 * On a release that changes a schema, move this fixture to the new release
 * once the change has shipped everywhere (docs/operations.md, "Schema
 * changes in a mixed fleet").
 */
/** How a class created its tables in that release. */
export interface PreviousObjectSchema {
  /** `migrateSqlite` steps (recorded in `_schema`). */
  steps?: string[][];
  /** Statements run directly, before the class had steps. */
  inline?: string[];
}

export const PREVIOUS_RELEASE = {
  commit: '7462d4a',
  d1: {
    catalog: [
      '29e8f8944a546bdd8f1c348202db39e8af4a93ffcfbf9cf1bf65a8319dfe05a4',
      '53a793ded8041e83c0a240b89d315e47f1317eefb93a3023096533091703a509',
    ],
    identity: ['d5858ebd9e127c88e0b1bc019e384176846045c4af43c307d3d78a4ebc3199a0'],
    'identity-directory': ['a21475449ba9b1641b860251685e92072352d66ccfc4115a660f9b885e324781'],
    payments: [
      '783b9cb566c5131cb25741f0f49b3cdcf817bfd274bbf438ae37a25f229b80b2',
      'e9a02bb8cbd36b4d46beacd2aa3c1a935e8bcbcab44df09a83be7bee375ef1f6',
    ],
    orders: ['9a370dde7f52308fdc7660e9ade55b150915c6d1bc86b921f7b1205a68624c32'],
    notifications: [
      '3b67714f20f32f1afa7d4c7175b4f0d8e3803fb000a7ad4136f0d94dc3a29183',
      'af64555a2cbc467b064820efe446787b9c534ff45fd607afab2c4a9302c848ec',
    ],
  } as Record<string, string[]>,
  durableObjects: {
    /** workers/inventory/src/schema.ts at 7462d4a (migrateSqlite steps). */
    InventoryShard: {
      steps: [
        // 1: the first shipped shape (stock levels, idempotent restocks).
        [
          `CREATE TABLE IF NOT EXISTS stock (
      sku TEXT PRIMARY KEY,
      region TEXT NOT NULL,
      available INTEGER NOT NULL CHECK (available >= 0),
      reserved INTEGER NOT NULL CHECK (reserved >= 0),
      version INTEGER NOT NULL
    )`,
          `CREATE TABLE IF NOT EXISTS operations (
      operation_id TEXT PRIMARY KEY,
      applied_at INTEGER NOT NULL
    )`,
        ],
        // 2: sold units and reservations with their expiry.
        [
          'ALTER TABLE stock ADD COLUMN sold INTEGER NOT NULL DEFAULT 0 CHECK (sold >= 0)',
          `CREATE TABLE reservations (
      reservation_id TEXT PRIMARY KEY,
      region TEXT NOT NULL,
      status TEXT NOT NULL
        CHECK (status IN ('held', 'confirmed', 'released', 'expired', 'rejected')),
      items TEXT NOT NULL,
      fingerprint TEXT NOT NULL,
      shortages TEXT,
      expires_at INTEGER NOT NULL,
      correlation_id TEXT NOT NULL,
      traceparent TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
          'CREATE INDEX reservations_held_expiry ON reservations (status, expires_at)',
          'CREATE INDEX reservations_updated ON reservations (updated_at)',
        ],
      ],
    },
    /** workers/payments/src/ledger-schema.ts at 7462d4a (migrateSqlite steps). */
    AccountLedger: {
      steps: [
        [
          `CREATE TABLE events (
      seq INTEGER PRIMARY KEY,
      type TEXT NOT NULL,
      amount INTEGER NOT NULL CHECK (amount >= 0),
      balance_after INTEGER NOT NULL CHECK (balance_after >= 0),
      reference TEXT,
      operation_id TEXT,
      data TEXT,
      at INTEGER NOT NULL
    )`,
          'CREATE INDEX events_at ON events (at)',
          `CREATE TRIGGER events_no_update BEFORE UPDATE ON events
     BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END`,
          `CREATE TRIGGER events_no_delete BEFORE DELETE ON events
     BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END`,
          `CREATE TABLE snapshots (
      version INTEGER PRIMARY KEY,
      state TEXT NOT NULL,
      at INTEGER NOT NULL
    )`,
          `CREATE TABLE operations (
      operation_id TEXT PRIMARY KEY,
      fingerprint TEXT NOT NULL,
      outcome TEXT NOT NULL,
      at INTEGER NOT NULL
    )`,
          `CREATE TABLE captures (
      reference TEXT PRIMARY KEY,
      captured INTEGER NOT NULL CHECK (captured >= 0),
      refunded INTEGER NOT NULL CHECK (refunded >= 0 AND refunded <= captured)
    )`,
          `CREATE TABLE transfers (
      transfer_id TEXT PRIMARY KEY,
      operation_id TEXT NOT NULL,
      to_customer_id TEXT NOT NULL,
      to_account_id TEXT NOT NULL,
      to_region TEXT NOT NULL,
      amount INTEGER NOT NULL CHECK (amount > 0),
      currency TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('IN_FLIGHT', 'COMPLETED', 'REVERSED')),
      reason TEXT,
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      deadline_at INTEGER NOT NULL,
      history TEXT NOT NULL,
      correlation_id TEXT NOT NULL,
      traceparent TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
          'CREATE INDEX transfers_due ON transfers (status, next_attempt_at)',
          'CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
        ],
      ],
    },
    /** src/ratelimit/limiter.ts at 7462d4a (inline, before its steps). */
    RateLimiter: {
      inline: [
        `CREATE TABLE IF NOT EXISTS buckets (
      key TEXT PRIMARY KEY,
      tokens REAL NOT NULL,
      updated_ms INTEGER NOT NULL,
      full_at_ms INTEGER NOT NULL
    )`,
        `CREATE TABLE IF NOT EXISTS hits (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      key TEXT NOT NULL,
      at_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL
    )`,
        'CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at_ms)',
        'CREATE INDEX IF NOT EXISTS hits_expires ON hits (expires_ms)',
      ],
    },
    /** src/idempotency/record.ts at 7462d4a (inline, before its steps). */
    IdempotencyRecord: {
      inline: [
        `CREATE TABLE IF NOT EXISTS record (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      fingerprint TEXT NOT NULL,
      token TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('in_flight', 'done')),
      lock_until_ms INTEGER NOT NULL,
      expires_ms INTEGER NOT NULL,
      status INTEGER,
      headers TEXT,
      body BLOB,
      started_ms INTEGER
    )`,
      ],
    },
  } as Record<string, PreviousObjectSchema>,
};

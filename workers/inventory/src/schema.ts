/**
 * The shard's SQLite schema, as append-only steps (see common/do-schema.ts).
 * Invariants the database itself enforces: no level below zero, one row per
 * reservation id, and a reservation status from the known set.
 */
import type { SchemaStep } from '@common/do-schema';
import { OUTBOX_HOLD, OUTBOX_TABLE } from '@common/outbox';

export const SHARD_SCHEMA: readonly SchemaStep[] = [
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
  // 3: the outbox (until now created by its constructor) and its holds.
  [...OUTBOX_TABLE, ...OUTBOX_HOLD],
];

/**
 * The account ledger's SQLite schema (see common/do-schema.ts). The event
 * log is append-only, enforced by triggers; everything else (snapshots, the
 * per-order capture totals, the operation records) can be rebuilt from it.
 */
import type { SchemaStep } from '@common/do-schema';
import { OUTBOX_HOLD, OUTBOX_TABLE } from '@common/outbox';

export const LEDGER_SCHEMA: readonly SchemaStep[] = [
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
  // 2: the outbox (until now created by its constructor) and its holds.
  [...OUTBOX_TABLE, ...OUTBOX_HOLD],
];

/**
 * The aggregator's SQLite rows: one per one-minute bucket (its state as
 * JSON: counts, money, top SKUs, latency sketch) and one for the lifetime
 * totals. Every query is bounded: buckets by the window or the retention,
 * pruning by a batch size.
 */
import type { SchemaStep } from '@common/do-schema';
import { INBOX_TABLE } from '@common/outbox';
import { emptyTotals, type TotalsJson } from './totals';
import { Bucket, type BucketJson, type WindowSettings } from './windows';

export const AGGREGATOR_SCHEMA: readonly SchemaStep[] = [
  [
    `CREATE TABLE IF NOT EXISTS buckets (
      minute INTEGER PRIMARY KEY,
      state TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    'CREATE TABLE IF NOT EXISTS totals (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL)',
    // The inbox (DurableInbox, which creates no table of its own), pruned by age.
    ...INBOX_TABLE,
    'CREATE INDEX IF NOT EXISTS inbox_processed_at ON inbox (processed_at)',
  ],
];

/** Rows deleted per pruning statement. */
export const PRUNE_BATCH = 1000;

export class AggregatorStore {
  readonly #sql: SqlStorage;
  readonly #settings: WindowSettings;

  constructor(sql: SqlStorage, settings: WindowSettings) {
    this.#sql = sql;
    this.#settings = settings;
  }

  bucket(minute: number): Bucket | undefined {
    const row = this.#sql
      .exec<{ state: string }>('SELECT state FROM buckets WHERE minute = ?', minute)
      .toArray()[0];
    return row ? Bucket.fromJSON(JSON.parse(row.state) as BucketJson, this.#settings) : undefined;
  }

  /** The stored buckets among `minutes` (ascending), by minute. */
  buckets(minutes: readonly number[]): Map<number, Bucket> {
    const first = minutes[0];
    const last = minutes[minutes.length - 1];
    const found = new Map<number, Bucket>();
    if (first === undefined || last === undefined) return found;
    const rows = this.#sql
      .exec<{ minute: number; state: string }>(
        'SELECT minute, state FROM buckets WHERE minute BETWEEN ? AND ? ORDER BY minute LIMIT ?',
        first,
        last,
        minutes.length,
      )
      .toArray();
    for (const row of rows)
      found.set(row.minute, Bucket.fromJSON(JSON.parse(row.state) as BucketJson, this.#settings));
    return found;
  }

  saveBucket(bucket: Bucket, now: number): void {
    this.#sql.exec(
      `INSERT INTO buckets (minute, state, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (minute) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      bucket.minute,
      JSON.stringify(bucket.toJSON()),
      now,
    );
  }

  totals(): TotalsJson {
    const row = this.#sql
      .exec<{ state: string }>('SELECT state FROM totals WHERE id = 1')
      .toArray()[0];
    return row ? (JSON.parse(row.state) as TotalsJson) : emptyTotals();
  }

  saveTotals(totals: TotalsJson): void {
    this.#sql.exec(
      'INSERT INTO totals (id, state) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state',
      JSON.stringify(totals),
    );
  }

  /** Deletes up to PRUNE_BATCH buckets older than `minute` and inbox rows older than `processedBefore`. */
  prune(minute: number, processedBefore: number): { buckets: number; inbox: number } {
    const buckets = this.#sql
      .exec(
        'DELETE FROM buckets WHERE minute IN (SELECT minute FROM buckets WHERE minute < ? LIMIT ?) RETURNING minute',
        minute,
        PRUNE_BATCH,
      )
      .toArray().length;
    const inbox = this.#sql
      .exec(
        'DELETE FROM inbox WHERE message_id IN (SELECT message_id FROM inbox WHERE processed_at < ? LIMIT ?) RETURNING message_id',
        processedBefore,
        PRUNE_BATCH,
      )
      .toArray().length;
    return { buckets, inbox };
  }

  oldestInboxAt(): number | null {
    return this.#sql.exec<{ at: number | null }>('SELECT MIN(processed_at) AS at FROM inbox').one()
      .at;
  }

  bucketCount(): number {
    return this.#sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM buckets').one().n;
  }
}

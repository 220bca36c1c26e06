/**
 * A customer's checkouts, kept by the primary replica: for each order made
 * from the cart, the lines it took and the `added` counters they came from.
 * The first record of an order id wins, so a retried checkout places the
 * lines recorded first; an order's end settles its record once.
 */
import type { SchemaStep } from '@common/do-schema';
import type { CartItem, Snapshot } from './crdt';

export type CheckoutStatus = 'open' | 'completed' | 'abandoned';

export interface CheckoutRecord {
  orderId: string;
  items: CartItem[];
  snapshot: Snapshot;
  status: CheckoutStatus;
}

export const CHECKOUTS_SCHEMA: SchemaStep = [
  `CREATE TABLE checkouts (order_id TEXT PRIMARY KEY, items TEXT NOT NULL, snapshot TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'completed', 'abandoned')),
    created_at INTEGER NOT NULL, settled_at INTEGER)`,
  'CREATE INDEX checkouts_created ON checkouts (created_at)',
];

type Row = {
  order_id: string;
  items: string;
  snapshot: string;
  status: CheckoutStatus;
};

export class Checkouts {
  constructor(private readonly storage: DurableObjectStorage) {}

  /** Stores the checkout unless its order id has one; returns the one stored. */
  record(record: Omit<CheckoutRecord, 'status'>, now: number): CheckoutRecord {
    this.storage.sql.exec(
      `INSERT INTO checkouts (order_id, items, snapshot, status, created_at) VALUES (?, ?, ?, 'open', ?)
       ON CONFLICT (order_id) DO NOTHING`,
      record.orderId,
      JSON.stringify(record.items),
      JSON.stringify(record.snapshot),
      now,
    );
    const stored = this.get(record.orderId);
    if (!stored) throw new Error(`checkout ${record.orderId} was not stored`);
    return stored;
  }

  get(orderId: string): CheckoutRecord | undefined {
    const row = this.storage.sql
      .exec<Row>(
        'SELECT order_id, items, snapshot, status FROM checkouts WHERE order_id = ?',
        orderId,
      )
      .toArray()[0];
    return row
      ? {
          orderId: row.order_id,
          items: JSON.parse(row.items) as CartItem[],
          snapshot: JSON.parse(row.snapshot) as Snapshot,
          status: row.status,
        }
      : undefined;
  }

  /** Ends an open checkout; false when it was not open (unknown or already ended). */
  settle(orderId: string, status: Exclude<CheckoutStatus, 'open'>, now: number): boolean {
    const cursor = this.storage.sql.exec(
      "UPDATE checkouts SET status = ?, settled_at = ? WHERE order_id = ? AND status = 'open'",
      status,
      now,
      orderId,
    );
    return cursor.rowsWritten > 0;
  }

  /** Forgets checkouts made before `before`; returns when the oldest one left was made. */
  purge(before: number): number | null {
    this.storage.sql.exec('DELETE FROM checkouts WHERE created_at < ?', before);
    return this.storage.sql
      .exec<{ at: number | null }>('SELECT MIN(created_at) AS at FROM checkouts')
      .one().at;
  }
}

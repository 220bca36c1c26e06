/**
 * The stock book of one shard: levels and reservations in SQLite. Every
 * method is synchronous and runs inside the caller's `transactionSync`, so a
 * change and the events it emits commit together or not at all.
 *
 * Conservation: for each SKU, `available + reserved + sold` changes only by a
 * restock; reserve, confirm, release and expiry move units between columns.
 */
import type {
  ReservationItem,
  ReservationStatus,
  RestockInput,
  ShardReservation,
  Shortage,
  StockLevel,
} from '@common/contracts/inventory';
import { fail, ok, type Result } from '@common/problem';
import type { Region } from '@common/regions';
import type { Cause, LevelRow, ShardEvents, StockReason } from './events';
import {
  insertReservation,
  isTombstone,
  normalizeItems,
  outcomeOf,
  type ReservationRow,
  viewOf,
} from './reservation';

export type { Cause } from './events';

export interface ShardReserveInput {
  reservationId: string;
  region: Region;
  /** This shard's part of the reservation. */
  items: ReservationItem[];
  /** `fingerprintOf` the whole reservation's items. */
  fingerprint: string;
  ttl_ms: number;
}

type StockRow = LevelRow & Record<string, SqlStorageValue>;

/** How each transition moves the quantity of one SKU from one column to another. */
const MOVES: Record<Exclude<StockReason, 'restock'>, string> = {
  reserve: 'available = available - ?, reserved = reserved + ?',
  confirm: 'reserved = reserved - ?, sold = sold + ?',
  release: 'available = available + ?, reserved = reserved - ?',
  expire: 'available = available + ?, reserved = reserved - ?',
  // A released confirmation: the sale is undone and its units return.
  return: 'available = available + ?, sold = sold - ?',
};

export class StockBook {
  readonly #sql: SqlStorage;
  readonly #events: ShardEvents;

  constructor(sql: SqlStorage, events: ShardEvents) {
    this.#sql = sql;
    this.#events = events;
  }

  #stock(sku: string): StockRow | undefined {
    return this.#sql
      .exec<StockRow>('SELECT available, reserved, sold, version FROM stock WHERE sku = ?', sku)
      .toArray()[0];
  }

  #reservation(id: string): ReservationRow | undefined {
    return this.#sql
      .exec<ReservationRow>('SELECT * FROM reservations WHERE reservation_id = ?', id)
      .toArray()[0];
  }

  level(sku: string, region: Region): StockLevel {
    const row = this.#stock(sku);
    return {
      sku,
      region,
      available: row?.available ?? 0,
      reserved: row?.reserved ?? 0,
      sold: row?.sold ?? 0,
    };
  }

  reservation(id: string): ShardReservation | null {
    const row = this.#reservation(id);
    return row ? viewOf(row) : null;
  }

  /** Adds stock once per operation id; false when the id was applied before. */
  restock(input: RestockInput, cause: Cause): boolean {
    const seen = this.#sql
      .exec('SELECT 1 FROM operations WHERE operation_id = ?', input.operationId)
      .toArray().length;
    if (seen) return false;
    this.#sql.exec(
      'INSERT INTO operations (operation_id, applied_at) VALUES (?, ?)',
      input.operationId,
      Date.now(),
    );
    this.#sql.exec(
      `INSERT INTO stock (sku, region, available, reserved, sold, version) VALUES (?, ?, ?, 0, 0, 1)
       ON CONFLICT (sku) DO UPDATE SET available = available + excluded.available, version = version + 1`,
      input.sku,
      input.region,
      input.quantity,
    );
    const { sku, region, quantity, operationId } = input;
    this.#events.restocked({ sku, region, quantity, operationId }, cause);
    this.#changed(sku, region, 'restock', cause);
    return true;
  }

  /**
   * Holds every item or none. A known id never holds again: it answers with
   * the reservation's current state (or a conflict if the items differ).
   */
  reserve(input: ShardReserveInput, now: number, cause: Cause): Result<ShardReservation> {
    const items = normalizeItems(input.items);
    const existing = this.#reservation(input.reservationId);
    if (existing) {
      if (!isTombstone(existing) && existing.fingerprint !== input.fingerprint) {
        return fail(
          409,
          'reservation_id_reused',
          `reservation ${input.reservationId} exists with other items`,
        );
      }
      return outcomeOf(this.#expireIfDue(existing, now, cause));
    }
    const shortages: Shortage[] = [];
    for (const { sku, quantity } of items) {
      const available = this.#stock(sku)?.available ?? 0;
      if (available < quantity) shortages.push({ sku, requested: quantity, available });
    }
    const status = shortages.length ? 'rejected' : 'held';
    insertReservation(
      this.#sql,
      input.reservationId,
      input.region,
      status,
      items,
      now + input.ttl_ms,
      now,
      cause,
      {
        fingerprint: input.fingerprint,
        shortages,
      },
    );
    if (status === 'held') this.#move(items, input.region, 'reserve', cause);
    return outcomeOf(this.#transitioned(input.reservationId, cause));
  }

  /** Held → confirmed (reserved → sold). A hold past its expiry expires instead. */
  confirm(id: string, now: number, cause: Cause): Result<ShardReservation> {
    const row = this.#reservation(id);
    if (!row) return fail(404, 'reservation_not_found', `no reservation ${id}`);
    const current = this.#expireIfDue(row, now, cause);
    if (current.status !== 'held') return outcomeOf(current);
    this.#setStatus(id, 'confirmed', now);
    this.#move(current.items, current.region, 'confirm', cause);
    return ok(this.#transitioned(id, cause));
  }

  /**
   * Held → released (reserved → available), or confirmed → released (sold →
   * available: the compensation of an order cancelled while its confirmation
   * was on the way). Releasing an unknown id leaves a tombstone, so a reserve
   * that arrives late (reordered or retried) cannot hold stock that nobody
   * will release, and a confirm that arrives late finds it released.
   */
  release(id: string, region: Region, now: number, cause: Cause): Result<ShardReservation> {
    const row = this.#reservation(id);
    if (!row) {
      insertReservation(this.#sql, id, region, 'released', [], now, now, cause, {
        fingerprint: '',
        shortages: [],
      });
      return ok(this.#mustGet(id));
    }
    const current = viewOf(row);
    if (current.status !== 'held' && current.status !== 'confirmed') return ok(current);
    this.#setStatus(id, 'released', now);
    this.#move(
      current.items,
      current.region,
      current.status === 'held' ? 'release' : 'return',
      cause,
    );
    return ok(this.#transitioned(id, cause));
  }

  /**
   * Keeps a live hold from expiring before `until`, while a confirmation
   * across shards is in progress. Fails as confirm would when the hold is gone.
   */
  pin(id: string, until: number, now: number, cause: Cause): Result<ShardReservation> {
    const row = this.#reservation(id);
    if (!row) return fail(404, 'reservation_not_found', `no reservation ${id}`);
    const current = this.#expireIfDue(row, now, cause);
    if (current.status === 'held' && current.expiresAt < until) {
      this.#sql.exec(
        'UPDATE reservations SET expires_at = ?, updated_at = ? WHERE reservation_id = ?',
        until,
        now,
        id,
      );
      return ok(this.#mustGet(id));
    }
    return outcomeOf(current);
  }

  /** Expires up to `limit` holds whose time has come; returns how many. */
  expireDue(now: number, limit: number): number {
    const due = this.#sql
      .exec<ReservationRow>(
        `SELECT * FROM reservations WHERE status = 'held' AND expires_at <= ?
         ORDER BY expires_at LIMIT ?`,
        now,
        limit,
      )
      .toArray();
    for (const row of due) {
      this.#expireIfDue(row, now, {
        correlationId: row.correlation_id,
        causationId: `expiry:${row.reservation_id}`,
        traceparent: row.traceparent,
      });
    }
    return due.length;
  }

  /** Forgets up to `limit` finished reservations last changed before `before`. */
  purgeFinished(before: number, limit: number): number {
    const ids = this.#sql
      .exec<{ id: string }>(
        `SELECT reservation_id AS id FROM reservations
         WHERE status != 'held' AND updated_at <= ? ORDER BY updated_at LIMIT ?`,
        before,
        limit,
      )
      .toArray()
      .map((r) => r.id);
    for (const id of ids) this.#sql.exec('DELETE FROM reservations WHERE reservation_id = ?', id);
    return ids.length;
  }

  /** When the alarm must next run: the earliest hold expiry or purge. */
  nextDueAt(retention_ms: number): number | null {
    const row = this.#sql
      .exec<{ expiry: number | null; purge: number | null }>(
        `SELECT (SELECT MIN(expires_at) FROM reservations WHERE status = 'held') AS expiry,
                (SELECT MIN(updated_at) FROM reservations WHERE status != 'held') AS purge`,
      )
      .one();
    const due = [row.expiry, row.purge === null ? null : row.purge + retention_ms];
    const times = due.filter((t): t is number => t !== null);
    return times.length ? Math.min(...times) : null;
  }

  #expireIfDue(row: ReservationRow, now: number, cause: Cause): ShardReservation {
    const view = viewOf(row);
    if (view.status !== 'held' || view.expiresAt > now) return view;
    this.#setStatus(view.reservationId, 'expired', now);
    this.#move(view.items, view.region, 'expire', cause);
    return this.#transitioned(view.reservationId, cause);
  }

  #setStatus(id: string, status: ReservationStatus, now: number): void {
    this.#sql.exec(
      'UPDATE reservations SET status = ?, updated_at = ? WHERE reservation_id = ?',
      status,
      now,
      id,
    );
  }

  #mustGet(id: string): ShardReservation {
    const row = this.#reservation(id);
    // Written in this same transaction: absence is a broken invariant, not a value.
    if (!row) throw new Error(`reservation ${id} vanished inside its transaction`);
    return viewOf(row);
  }

  /** Emits the reservation's event for its new status and returns it. */
  #transitioned(id: string, cause: Cause): ShardReservation {
    const view = this.#mustGet(id);
    this.#events.reservation(view, cause);
    return view;
  }

  /** Moves units between columns; CHECK constraints abort the transaction on any negative level. */
  #move(items: ReservationItem[], region: Region, reason: keyof typeof MOVES, cause: Cause) {
    for (const { sku, quantity } of items) {
      this.#sql.exec(
        `UPDATE stock SET ${MOVES[reason]}, version = version + 1 WHERE sku = ?`,
        quantity,
        quantity,
        sku,
      );
      this.#changed(sku, region, reason, cause);
    }
  }

  #changed(sku: string, region: Region, reason: StockReason, cause: Cause): void {
    const row = this.#stock(sku);
    if (!row) throw new Error(`stock row for ${sku} missing after ${reason}`);
    const { available, reserved, sold, version } = row;
    this.#events.stockChanged(sku, region, { available, reserved, sold, version }, reason, cause);
  }
}

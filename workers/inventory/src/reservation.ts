/**
 * Reservation rows and the answers they give. A reservation id is answered
 * from its stored state forever after (until purged), which is what makes
 * reserve, confirm and release idempotent.
 */
import type {
  ReservationItem,
  ReservationStatus,
  ShardReservation,
  Shortage,
} from '@common/contracts/inventory';
import { fail, ok, type Result } from '@common/problem';
import type { Region } from '@common/regions';

export interface ReservationRow {
  reservation_id: string;
  region: string;
  status: string;
  items: string;
  fingerprint: string;
  shortages: string | null;
  expires_at: number;
  correlation_id: string;
  traceparent: string;
  updated_at: number;
  [key: string]: SqlStorageValue;
}

/** Merges repeated SKUs and sorts, so equal item lists compare equal. */
export function normalizeItems(items: readonly ReservationItem[]): ReservationItem[] {
  const totals = new Map<string, number>();
  for (const { sku, quantity } of items) totals.set(sku, (totals.get(sku) ?? 0) + quantity);
  return [...totals.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([sku, quantity]) => ({ sku, quantity }));
}

/**
 * Identifies a whole reservation's items (every shard's part): each shard
 * stores it, so reusing an id for other items is caught by every shard that
 * knows the id, not only by those whose own part differs.
 */
export async function fingerprintOf(items: readonly ReservationItem[]): Promise<string> {
  const text = JSON.stringify(normalizeItems(items));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest).slice(0, 16), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');
}

export function viewOf(row: ReservationRow): ShardReservation {
  return {
    reservationId: row.reservation_id,
    region: row.region as Region,
    status: row.status as ReservationStatus,
    items: JSON.parse(row.items) as ReservationItem[],
    expiresAt: row.expires_at,
    updatedAt: row.updated_at,
    ...(row.shortages ? { shortages: JSON.parse(row.shortages) as Shortage[] } : {}),
  };
}

/** A release of an unknown id stored this marker: released, never held. */
export function isTombstone(row: ReservationRow): boolean {
  return row.status === 'released' && row.items === '[]';
}

/** The answer a reservation in this state gives to reserve, confirm and pin. */
export function outcomeOf(view: ShardReservation): Result<ShardReservation> {
  switch (view.status) {
    case 'held':
    case 'confirmed':
      return ok(view);
    case 'rejected':
      return fail(409, 'out_of_stock', `not enough stock for ${view.reservationId}`, {
        errors: (view.shortages ?? []).map((s) => ({
          path: `items.${s.sku}`,
          message: `requested ${s.requested}, available ${s.available}`,
        })),
      });
    case 'released':
      return fail(409, 'reservation_released', `reservation ${view.reservationId} was released`);
    case 'expired':
      return fail(409, 'reservation_expired', `reservation ${view.reservationId} expired`);
  }
}

export function insertReservation(
  sql: SqlStorage,
  id: string,
  region: Region,
  status: ReservationStatus,
  items: ReservationItem[],
  expiresAt: number,
  now: number,
  cause: { correlationId: string; traceparent: string },
  { fingerprint, shortages }: { fingerprint: string; shortages: Shortage[] },
): void {
  sql.exec(
    `INSERT INTO reservations (reservation_id, region, status, items, fingerprint, shortages,
       expires_at, correlation_id, traceparent, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    id,
    region,
    status,
    JSON.stringify(items),
    fingerprint,
    shortages.length ? JSON.stringify(shortages) : null,
    expiresAt,
    cause.correlationId,
    cause.traceparent,
    now,
    now,
  );
}

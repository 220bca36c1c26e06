/**
 * The domain events a shard emits, written to its outbox inside the
 * transaction of the change that causes them.
 */
import {
  INVENTORY_EVENTS,
  RESERVATION_EVENTS,
  RESTOCKED,
  type ReservationEvent,
  type Restocked,
  type ShardReservation,
  STOCK_CHANGED,
  type StockChanged,
} from '@common/contracts/inventory';
import { makeEnvelope } from '@common/envelope';
import type { Outbox } from '@common/outbox';
import type { Region } from '@common/regions';

/** Who caused a change; carried by the events it emits. */
export interface Cause {
  correlationId: string;
  causationId: string;
  traceparent: string;
}

export type StockReason = 'restock' | 'reserve' | 'confirm' | 'release' | 'expire' | 'return';

export interface LevelRow {
  available: number;
  reserved: number;
  sold: number;
  version: number;
}

export class ShardEvents {
  readonly #outbox: Outbox;

  constructor(outbox: Outbox) {
    this.#outbox = outbox;
  }

  stockChanged(sku: string, region: Region, row: LevelRow, reason: StockReason, cause: Cause) {
    const payload: StockChanged = { sku, region, ...row, reason };
    this.#emit(STOCK_CHANGED, region, payload, cause);
  }

  restocked(payload: Restocked, cause: Cause): void {
    this.#emit(RESTOCKED, payload.region, payload, cause);
  }

  reservation(view: ShardReservation, cause: Cause): void {
    const payload: ReservationEvent = {
      reservationId: view.reservationId,
      region: view.region,
      status: view.status,
      items: view.items,
      expiresAt: view.expiresAt,
      ...(view.shortages ? { shortages: view.shortages } : {}),
    };
    this.#emit(RESERVATION_EVENTS[view.status], view.region, payload, cause);
  }

  #emit(type: string, region: Region, payload: unknown, cause: Cause): void {
    this.#outbox.add(
      INVENTORY_EVENTS,
      makeEnvelope({
        type,
        payload,
        region,
        correlationId: cause.correlationId,
        causationId: cause.causationId,
        traceparent: cause.traceparent,
      }),
    );
  }
}

/**
 * InventoryShard: the leader for the SKUs that the ring maps to one shard of
 * one region warehouse. Every write goes through this single-threaded object
 * and runs as one synchronous transaction (no await between read and write),
 * so reads and writes of a SKU are linearizable and concurrent reservations
 * can never oversell. The events a change causes commit with it (outbox) and
 * are delivered right after; the alarm expires holds, purges finished
 * reservations and retries undelivered events.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import type { RestockInput, ShardReservation, StockLevel } from '@common/contracts/inventory';
import { INVENTORY_EVENTS } from '@common/contracts/inventory';
import { migrateSqlite } from '@common/do-schema';
import { createLogger } from '@common/log';
import { Outbox, type OutboxSender } from '@common/outbox';
import type { Result } from '@common/problem';
import type { Region } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { ShardEvents } from './events';
import { SHARD_SCHEMA } from './schema';
import { type Cause, type ShardReserveInput, StockBook } from './stock';

/** Holds expired, and finished reservations purged, per alarm run. */
const EXPIRE_BATCH = 500;
const PURGE_BATCH = 1000;

export interface ShardRef {
  reservationId: string;
  region: Region;
  correlationId?: string;
}

export class InventoryShard extends DurableObject<InventoryEnv> {
  readonly outbox: Outbox;
  readonly #book: StockBook;
  readonly #retention_ms: number;
  /** Replaced in tests to simulate a queue outage; production uses the binding. */
  send: OutboxSender;

  constructor(ctx: DurableObjectState, env: InventoryEnv) {
    super(ctx, env);
    migrateSqlite(ctx.storage, SHARD_SCHEMA);
    this.outbox = new Outbox(ctx.storage, { retry_ms: Number(env.OUTBOX_RETRY_MS) || 2000 });
    this.#book = new StockBook(ctx.storage.sql, new ShardEvents(this.outbox));
    this.#retention_ms = Number(env.RESERVATION_RETENTION_MS) || 7 * 24 * 3600 * 1000;
    this.send = async (destination, batch) => {
      if (destination !== INVENTORY_EVENTS) throw new Error(`unknown destination ${destination}`);
      await env.INVENTORY_EVENTS.sendBatch(batch.map((body) => ({ body, contentType: 'json' })));
    };
  }

  getStock(sku: string, region: Region): StockLevel {
    return this.#book.level(sku, region);
  }

  getReservation(reservationId: string): ShardReservation | null {
    return this.#book.reservation(reservationId);
  }

  /** Adds stock once per operation id; the event is committed with the change. */
  async restock(input: RestockInput, meta: CallMeta): Promise<StockLevel & { applied: boolean }> {
    const applied = this.ctx.storage.transactionSync(() =>
      this.#book.restock(input, causeOf(meta)),
    );
    await this.#afterWrite(meta);
    return { ...this.#book.level(input.sku, input.region), applied };
  }

  /** Holds all of this shard's items until `ttl_ms` from now, or none of them. */
  async reserve(
    input: ShardReserveInput & { correlationId?: string },
    meta: CallMeta,
  ): Promise<Result<ShardReservation>> {
    const now = Date.now();
    const result = this.ctx.storage.transactionSync(() =>
      this.#book.reserve(input, now, causeOf(meta, input.correlationId)),
    );
    await this.#afterWrite(meta);
    return result;
  }

  async confirm(ref: ShardRef, meta: CallMeta): Promise<Result<ShardReservation>> {
    const now = Date.now();
    const result = this.ctx.storage.transactionSync(() =>
      this.#book.confirm(ref.reservationId, now, causeOf(meta, ref.correlationId)),
    );
    await this.#afterWrite(meta);
    return result;
  }

  async release(ref: ShardRef, meta: CallMeta): Promise<Result<ShardReservation>> {
    const now = Date.now();
    const result = this.ctx.storage.transactionSync(() =>
      this.#book.release(ref.reservationId, ref.region, now, causeOf(meta, ref.correlationId)),
    );
    await this.#afterWrite(meta);
    return result;
  }

  /** Keeps a live hold until `until` (epoch ms) while a multi-shard confirm runs. */
  async pin(ref: ShardRef, until: number, meta: CallMeta): Promise<Result<ShardReservation>> {
    const now = Date.now();
    const result = this.ctx.storage.transactionSync(() =>
      this.#book.pin(ref.reservationId, until, now, causeOf(meta, ref.correlationId)),
    );
    await this.#afterWrite(meta);
    return result;
  }

  /**
   * Runs whatever is due: expire holds (stock returns), purge reservations
   * finished longer ago than the retention, deliver the outbox. Running it
   * again, or early, changes nothing that is not due.
   */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.#book.expireDue(now, EXPIRE_BATCH);
      this.#book.purgeFinished(now - this.#retention_ms, PURGE_BATCH);
    });
    await this.#afterWrite();
  }

  async #afterWrite(meta?: CallMeta): Promise<void> {
    const due = this.#book.nextDueAt(this.#retention_ms);
    if (due !== null) await scheduleAlarmBy(this.ctx.storage, due);
    await this.flushOutbox(meta);
  }

  async flushOutbox(meta?: CallMeta): Promise<void> {
    const result = await this.outbox.flush(this.send);
    if (result.error) {
      createLogger({ service: 'inventory', ...meta }).warn('outbox.delivery_failed', {
        pending: result.pending,
        error: result.error,
      });
    }
  }

  /** Rows waiting for delivery; for tests and operators. */
  outboxPending(): number {
    return this.outbox.pendingCount();
  }
}

function causeOf(meta: CallMeta, correlationId?: string): Cause {
  return {
    correlationId: correlationId ?? meta.requestId,
    causationId: meta.requestId,
    traceparent: meta.traceparent,
  };
}

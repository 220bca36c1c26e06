/**
 * InventoryShard: the leader for the SKUs that the ring maps to one shard of
 * one region warehouse. Every write goes through this single-threaded object
 * and runs as one synchronous transaction (no await between read and write),
 * so reads and writes of a SKU are linearizable and concurrent reservations
 * can never oversell. The events a change causes commit with it (outbox); the
 * caller is answered once that commit is durable, and the events are relayed
 * after, in the background; the alarm expires holds, purges finished
 * reservations and relays what is still undelivered.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import type { RestockInput, ShardReservation, StockLevel } from '@common/contracts/inventory';
import { migrateSqlite } from '@common/do-schema';
import { createLogger, type Logger } from '@common/log';
import { Outbox, type OutboxSender } from '@common/outbox';
import type { Result } from '@common/problem';
import { queueSender } from '@common/queues';
import type { Region } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { ShardEvents } from './events';
import { SHARD_SCHEMA } from './schema';
import { type Cause, type ShardReserveInput, StockBook } from './stock';

/** Holds expired, and finished reservations purged, per alarm run. */
const EXPIRE_BATCH_MAX = 500;
const PURGE_BATCH_MAX = 1000;

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
    // INVENTORY_EVENTS_<REGION>: each event on the queue of its region's warehouse.
    this.send = queueSender(env);
  }

  getStock(sku: string, region: Region): StockLevel {
    return this.#book.level(sku, region);
  }

  getReservation(reservationId: string): ShardReservation | null {
    return this.#book.reservation(reservationId);
  }

  /**
   * Adds stock once per operation id; the event is committed with the change,
   * and the answer is the level that transaction left (read inside it).
   */
  async restock(input: RestockInput, meta: CallMeta): Promise<StockLevel & { applied: boolean }> {
    const answer = this.ctx.storage.transactionSync(() => {
      const applied = this.#book.restock(input, causeOf(meta));
      return { ...this.#book.level(input.sku, input.region), applied };
    });
    await this.#afterWrite(meta);
    return answer;
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
      this.#book.expireDue(now, EXPIRE_BATCH_MAX);
      this.#book.purgeFinished(now - this.#retention_ms, PURGE_BATCH_MAX);
    });
    await this.#scheduleDue();
    await this.flushOutbox();
  }

  /** After a committed write: alarms armed, then the caller is answered while the relay runs. */
  async #afterWrite(meta: CallMeta): Promise<void> {
    await this.#scheduleDue();
    await this.outbox.relayAfterCommit(this.ctx, this.send, this.#log(meta));
  }

  async #scheduleDue(): Promise<void> {
    const due = this.#book.nextDueAt(this.#retention_ms);
    if (due !== null) await scheduleAlarmBy(this.ctx.storage, due);
  }

  /** Relays every undelivered event now (the alarm; operators and tests). */
  async flushOutbox(meta?: CallMeta): Promise<void> {
    await this.outbox.relay(this.send, this.#log(meta));
  }

  #log(meta?: CallMeta): Logger {
    return createLogger({ service: 'inventory', ...meta });
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

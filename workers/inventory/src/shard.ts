/**
 * InventoryShard: the leader for the SKUs that the ring maps to one shard of
 * one region warehouse. Every write goes through this single-threaded object,
 * so reads and writes of a SKU are linearizable. State and the events a change
 * causes commit in one `transactionSync`; the outbox delivers them afterwards.
 */
import { DurableObject } from 'cloudflare:workers';
import type { RestockInput, StockChanged, StockLevel } from '@common/contracts/inventory';
import { INVENTORY_EVENTS, STOCK_CHANGED } from '@common/contracts/inventory';
import { makeEnvelope } from '@common/envelope';
import { createLogger } from '@common/log';
import { Outbox, type OutboxSender } from '@common/outbox';
import type { Region } from '@common/regions';
import type { CallMeta } from '@common/rpc';

interface StockRow {
  sku: string;
  available: number;
  reserved: number;
  version: number;
  [key: string]: SqlStorageValue;
}

export class InventoryShard extends DurableObject<InventoryEnv> {
  readonly outbox: Outbox;
  /** Replaced in tests to simulate a queue outage; production uses the binding. */
  send: OutboxSender;

  constructor(ctx: DurableObjectState, env: InventoryEnv) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS stock (
      sku TEXT PRIMARY KEY,
      region TEXT NOT NULL,
      available INTEGER NOT NULL CHECK (available >= 0),
      reserved INTEGER NOT NULL CHECK (reserved >= 0),
      version INTEGER NOT NULL
    )`);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS operations (
      operation_id TEXT PRIMARY KEY,
      applied_at INTEGER NOT NULL
    )`);
    this.outbox = new Outbox(ctx.storage, { retry_ms: Number(env.OUTBOX_RETRY_MS) || 2000 });
    this.send = async (destination, batch) => {
      if (destination !== INVENTORY_EVENTS) throw new Error(`unknown destination ${destination}`);
      await env.INVENTORY_EVENTS.sendBatch(batch.map((body) => ({ body, contentType: 'json' })));
    };
  }

  #row(sku: string): StockRow | undefined {
    return this.ctx.storage.sql
      .exec<StockRow>('SELECT sku, available, reserved, version FROM stock WHERE sku = ?', sku)
      .toArray()[0];
  }

  getStock(sku: string, region: Region): StockLevel {
    const row = this.#row(sku);
    return { sku, region, available: row?.available ?? 0, reserved: row?.reserved ?? 0 };
  }

  /** Adds stock once per operation id; the event is committed with the change. */
  async restock(input: RestockInput, meta: CallMeta): Promise<StockLevel & { applied: boolean }> {
    const applied = this.ctx.storage.transactionSync(() => {
      const seen = this.ctx.storage.sql
        .exec('SELECT 1 FROM operations WHERE operation_id = ?', input.operationId)
        .toArray().length;
      if (seen) return false;
      this.ctx.storage.sql.exec(
        'INSERT INTO operations (operation_id, applied_at) VALUES (?, ?)',
        input.operationId,
        Date.now(),
      );
      this.ctx.storage.sql.exec(
        `INSERT INTO stock (sku, region, available, reserved, version) VALUES (?, ?, ?, 0, 1)
         ON CONFLICT (sku) DO UPDATE SET available = available + excluded.available, version = version + 1`,
        input.sku,
        input.region,
        input.quantity,
      );
      this.#emitStockChanged(input.sku, input.region, 'restock', meta);
      return true;
    });
    await this.flushOutbox(meta);
    return { ...this.getStock(input.sku, input.region), applied };
  }

  #emitStockChanged(sku: string, region: Region, reason: string, meta: CallMeta): void {
    const row = this.#row(sku);
    if (!row) return;
    const payload: StockChanged = {
      sku,
      region,
      available: row.available,
      reserved: row.reserved,
      version: row.version,
      reason,
    };
    this.outbox.add(
      INVENTORY_EVENTS,
      makeEnvelope({
        type: STOCK_CHANGED,
        payload,
        region,
        correlationId: meta.requestId,
        causationId: meta.requestId,
        traceparent: meta.traceparent,
      }),
    );
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

  override async alarm(): Promise<void> {
    await this.flushOutbox();
  }

  /** Rows waiting for delivery; for tests and operators. */
  outboxPending(): number {
    return this.outbox.pendingCount();
  }
}

/**
 * Reacts to inventory events: updates the stock read model and invalidates
 * the cached products of that SKU. The read-model write and the inbox record
 * commit together; the version guard keeps out-of-order events from moving a
 * level backwards.
 */

import { applyOnceD1, type ConsumeOutcome } from '@common/consumer';
import { STOCK_CHANGED, StockChangedSchema } from '@common/contracts/inventory';
import type { Envelope } from '@common/envelope';
import type { ProductCache } from './cache';
import { type CatalogDb, productIdsForSku } from './store';

export const CONSUMER = 'catalog.stock-read-model';

export async function applyInventoryEvent(
  d1: D1Database,
  db: CatalogDb,
  cache: ProductCache,
  envelope: Envelope,
): Promise<ConsumeOutcome> {
  if (envelope.type !== STOCK_CHANGED) return 'ignored';
  const event = StockChangedSchema.parse(envelope.payload);
  const upsert = d1
    .prepare(
      `INSERT INTO stock_levels (sku, region, available, reserved, version, updated_at)
       VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (sku, region) DO UPDATE SET
         available = excluded.available, reserved = excluded.reserved,
         version = excluded.version, updated_at = excluded.updated_at
       WHERE excluded.version > stock_levels.version`,
    )
    .bind(event.sku, event.region, event.available, event.reserved, event.version, Date.now());
  const outcome = await applyOnceD1(d1, CONSUMER, envelope.id, [upsert]);
  // Invalidation is safe to repeat, so it also runs for a duplicate whose
  // first delivery may have failed after commit.
  for (const id of await productIdsForSku(db, event.sku)) await cache.invalidate(id);
  return outcome;
}

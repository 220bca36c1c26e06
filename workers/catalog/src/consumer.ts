/**
 * The catalog's queue consumer, for two streams:
 *
 * - its own `catalog.product_*` events (from the outbox): invalidate the
 *   product's cache entries and its SKUs' existence entries, and retire
 *   every list page. The inbox is checked
 *   first and written after the invalidation, so a duplicate delivery has no
 *   second effect, while a crash between the two re-runs the (idempotent)
 *   invalidation on redelivery.
 * - inventory events: update the stock read model and invalidate the cached
 *   products of that SKU. The read-model write and the inbox record commit
 *   together; the version guard keeps out-of-order events from moving a
 *   level backwards. List pages are not retired for stock changes (they
 *   would be on every reservation); their availability is bounded by the TTL.
 */

import { applyOnceD1, type ConsumeOutcome } from '@common/consumer';
import {
  PRODUCT_CHANGED,
  PRODUCT_DELETED,
  ProductChangedSchema,
  ProductDeletedSchema,
} from '@common/contracts/catalog';
import { STOCK_CHANGED, StockChangedSchema } from '@common/contracts/inventory';
import type { Envelope } from '@common/envelope';
import type { CatalogReader } from './reader';
import { type CatalogDb, productIdsForSku } from './store';

export const CONSUMER = 'catalog.stock-read-model';
export const INVALIDATION_CONSUMER = 'catalog.cache-invalidation';

export interface ConsumerDeps {
  d1: D1Database;
  db: CatalogDb;
  reader: CatalogReader;
}

export function handleEnvelope(deps: ConsumerDeps, envelope: Envelope): Promise<ConsumeOutcome> {
  switch (envelope.type) {
    case STOCK_CHANGED:
      return applyInventoryEvent(deps, envelope);
    case PRODUCT_CHANGED:
    case PRODUCT_DELETED:
      return applyProductEvent(deps, envelope);
    default:
      return Promise.resolve('ignored');
  }
}

async function alreadyApplied(d1: D1Database, consumer: string, id: string): Promise<boolean> {
  const row = await d1
    .prepare('SELECT 1 AS seen FROM inbox WHERE consumer = ? AND message_id = ?')
    .bind(consumer, id)
    .first();
  return row !== null;
}

export async function applyProductEvent(
  { d1, reader }: ConsumerDeps,
  envelope: Envelope,
): Promise<ConsumeOutcome> {
  const { productId, skus } = changedKeys(envelope);
  if (await alreadyApplied(d1, INVALIDATION_CONSUMER, envelope.id)) return 'duplicate';
  await reader.invalidateProduct(productId);
  // A created, renamed or deleted SKU changes the answer of `skuExists`.
  for (const sku of skus) await reader.invalidateSku(sku);
  await reader.invalidateLists();
  return applyOnceD1(d1, INVALIDATION_CONSUMER, envelope.id, []);
}

/** The product and the SKUs (current and previous) a product event touches. */
function changedKeys(envelope: Envelope): { productId: string; skus: string[] } {
  if (envelope.type === PRODUCT_DELETED) {
    const deleted = ProductDeletedSchema.parse(envelope.payload);
    return { productId: deleted.productId, skus: [deleted.sku] };
  }
  const changed = ProductChangedSchema.parse(envelope.payload);
  const skus = [changed.product.sku];
  if (changed.previous && changed.previous.sku !== changed.product.sku)
    skus.push(changed.previous.sku);
  return { productId: changed.product.id, skus };
}

export async function applyInventoryEvent(
  { d1, db, reader }: ConsumerDeps,
  envelope: Envelope,
): Promise<ConsumeOutcome> {
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
  for (const id of await productIdsForSku(db, event.sku)) await reader.invalidateProduct(id);
  return outcome;
}

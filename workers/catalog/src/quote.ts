/**
 * Prices for an order: the current price of each SKU, read from the store of
 * record (D1), never from a cache, so an order is priced at what the catalog
 * says now.
 */

import type { Money } from '@common/contracts/catalog';
import { fail, ok, type Result } from '@common/problem';
import { inArray } from 'drizzle-orm';
import { products } from './schema';
import type { CatalogDb } from './store';

export const QUOTE_SKUS_MAX = 50;

export async function quote(db: CatalogDb, skus: string[]): Promise<Result<Record<string, Money>>> {
  const unique = [...new Set(skus)];
  if (unique.length === 0 || unique.length > QUOTE_SKUS_MAX) {
    return fail(400, 'quote_invalid', `quote between 1 and ${QUOTE_SKUS_MAX} skus`);
  }
  const rows = await db
    .select({ sku: products.sku, amount: products.priceAmount, currency: products.currency })
    .from(products)
    .where(inArray(products.sku, unique));
  const prices = Object.fromEntries(
    rows.map((r) => [r.sku, { amount: r.amount, currency: r.currency }]),
  );
  const unknown = unique.filter((sku) => !(sku in prices));
  if (unknown.length) {
    return fail(400, 'sku_unknown', `unknown sku: ${unknown.join(', ')}`, {
      errors: unknown.map((sku) => ({ path: 'items', message: `unknown sku ${sku}` })),
    });
  }
  return ok(prices);
}

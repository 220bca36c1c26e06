/**
 * Prices for an order: the current price of each SKU, read from the store of
 * record (D1), never from a cache, so an order is priced at what the catalog
 * says now. SKUs are client input: they are checked by format and matched
 * through a `Map`, so a SKU such as `constructor` or `__proto__` is simply
 * unknown (a plain object would find its prototype's members).
 */

import { type QuotedPrice, QuoteInputSchema } from '@common/contracts/catalog';
import { fail, ok, type Result } from '@common/problem';
import { inArray } from 'drizzle-orm';
import { products } from './schema';
import type { CatalogDb } from './store';

export async function quote(db: CatalogDb, input: unknown): Promise<Result<QuotedPrice[]>> {
  const parsed = QuoteInputSchema.safeParse(input);
  if (!parsed.success) {
    return fail(400, 'quote_invalid', parsed.error.issues[0]?.message ?? 'invalid SKUs', {
      errors: parsed.error.issues.map((i) => ({
        path: ['skus', ...i.path.map(String)].join('.'),
        message: i.message,
      })),
    });
  }
  const unique = [...new Set(parsed.data)];
  const rows = await db
    .select({ sku: products.sku, amount: products.priceAmount, currency: products.currency })
    .from(products)
    .where(inArray(products.sku, unique));
  const prices = new Map(rows.map((r) => [r.sku, { amount: r.amount, currency: r.currency }]));
  const unknown = unique.filter((sku) => !prices.has(sku));
  if (unknown.length) {
    return fail(400, 'sku_unknown', `unknown sku: ${unknown.join(', ')}`, {
      errors: unknown.map((sku) => ({ path: 'items', message: `unknown sku ${sku}` })),
    });
  }
  return ok([...prices].map(([sku, unitPrice]) => ({ sku, unitPrice })));
}

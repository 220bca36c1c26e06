/** Catalog reads from D1 through drizzle. */

import type { ListProductsInput, Product, ProductPage } from '@common/contracts/catalog';
import { isRegion } from '@common/regions';
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { products, stockLevels } from './schema';

type ProductRow = typeof products.$inferSelect;

export function catalogDb(d1: D1Database) {
  return drizzle(d1, { schema: { products, stockLevels } });
}
export type CatalogDb = ReturnType<typeof catalogDb>;

async function withAvailability(db: CatalogDb, rows: ProductRow[]): Promise<Product[]> {
  const skus = rows.map((r) => r.sku);
  const levels = skus.length
    ? await db.select().from(stockLevels).where(inArray(stockLevels.sku, skus))
    : [];
  return rows.map((row) => {
    const availability: Product['availability'] = {};
    for (const level of levels) {
      if (level.sku === row.sku && isRegion(level.region))
        availability[level.region] = level.available;
    }
    return {
      id: row.id,
      sku: row.sku,
      name: row.name,
      description: row.description,
      category: row.category,
      price: { amount: row.priceAmount, currency: row.currency },
      updatedAt: new Date(row.updatedAt).toISOString(),
      version: row.version,
      availability,
    };
  });
}

export async function loadProduct(db: CatalogDb, id: string): Promise<Product | undefined> {
  const rows = await db.select().from(products).where(eq(products.id, id)).limit(1);
  return (await withAvailability(db, rows))[0];
}

export async function productIdsForSku(db: CatalogDb, sku: string): Promise<string[]> {
  const rows = await db.select({ id: products.id }).from(products).where(eq(products.sku, sku));
  return rows.map((r) => r.id);
}

const encodeCursor = (id: string) => btoa(id).replaceAll('=', '');
function decodeCursor(cursor: string): string | undefined {
  try {
    const id = atob(cursor);
    return /^prd_[0-9A-Z]{26}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keyset pagination on the sortable id: a page is "ids after the cursor", so
 * inserts made while a client pages never shift or repeat items.
 */
export async function listProducts(
  db: CatalogDb,
  input: ListProductsInput,
): Promise<ProductPage | 'bad_cursor'> {
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor);
  if (input.cursor !== undefined && after === undefined) return 'bad_cursor';
  const rows = await db
    .select()
    .from(products)
    .where(
      and(
        after ? gt(products.id, after) : undefined,
        input.category ? eq(products.category, input.category) : undefined,
      ),
    )
    .orderBy(asc(products.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: await withAvailability(db, page),
    nextCursor: rows.length > input.limit && last ? encodeCursor(last.id) : null,
  };
}

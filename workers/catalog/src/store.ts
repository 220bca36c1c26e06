/**
 * Catalog reads from D1. Each load is exactly one query (the product rows
 * joined with their stock levels), so the read path's D1 counter counts real
 * round trips.
 */

import {
  type ListProductsInput,
  type Product,
  ProductIdSchema,
  type ProductPage,
  type ProductSnapshot,
} from '@common/contracts/catalog';
import { isRegion } from '@common/regions';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/d1';
import { products, stockLevels } from './schema';

export function catalogDb(d1: D1Database) {
  return drizzle(d1, { schema: { products, stockLevels } });
}
export type CatalogDb = ReturnType<typeof catalogDb>;

/** A `products` row as D1 returns it (snake_case columns). */
export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  category: string;
  price_amount: number;
  currency: string;
  updated_at: number;
  version: number;
  [column: string]: unknown;
}

type JoinedRow = ProductRow & { region: string | null; available: number | null };

export const PRODUCT_COLUMNS =
  'id, sku, name, description, category, price_amount, currency, updated_at, version';
const JOINED_COLUMNS =
  'p.id, p.sku, p.name, p.description, p.category, p.price_amount, p.currency, p.updated_at, p.version, s.region, s.available';

export function snapshotOf(row: ProductRow): ProductSnapshot {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price: { amount: row.price_amount, currency: row.currency },
    updatedAt: new Date(row.updated_at).toISOString(),
    version: row.version,
  };
}

/** Folds joined rows (one per product and region) into products, keeping row order. */
function fold(rows: JoinedRow[]): Product[] {
  const byId = new Map<string, Product>();
  for (const row of rows) {
    let product = byId.get(row.id);
    if (!product) {
      product = { ...snapshotOf(row), availability: {} };
      byId.set(row.id, product);
    }
    if (row.region !== null && row.available !== null && isRegion(row.region))
      product.availability[row.region] = row.available;
  }
  return [...byId.values()];
}

export async function loadProduct(d1: D1Database, id: string): Promise<Product | null> {
  const { results } = await d1
    .prepare(
      `SELECT ${JOINED_COLUMNS} FROM products p
       LEFT JOIN stock_levels s ON s.sku = p.sku
       WHERE p.id = ?`,
    )
    .bind(id)
    .all<JoinedRow>();
  return fold(results)[0] ?? null;
}

/** The product that has this SKU (SKUs are unique), or null: one indexed query. */
export async function loadSkuOwner(
  d1: D1Database,
  sku: string,
): Promise<{ productId: string } | null> {
  const row = await d1
    .prepare('SELECT id FROM products WHERE sku = ? LIMIT 1')
    .bind(sku)
    .first<{ id: string }>();
  return row ? { productId: row.id } : null;
}

/** Stock levels of one SKU, for write responses. */
export async function availabilityOf(
  d1: D1Database,
  sku: string,
): Promise<Product['availability']> {
  const { results } = await d1
    .prepare('SELECT region, available FROM stock_levels WHERE sku = ?')
    .bind(sku)
    .all<{ region: string; available: number }>();
  const availability: Product['availability'] = {};
  for (const r of results) if (isRegion(r.region)) availability[r.region] = r.available;
  return availability;
}

export async function productIdsForSku(db: CatalogDb, sku: string): Promise<string[]> {
  const rows = await db.select({ id: products.id }).from(products).where(eq(products.sku, sku));
  return rows.map((r) => r.id);
}

export const encodeCursor = (id: string) => btoa(id).replaceAll('=', '');

/** The id a cursor stands for; undefined for anything this API did not issue. */
export function decodeCursor(cursor: string): string | undefined {
  try {
    const id = atob(cursor);
    return ProductIdSchema.safeParse(id).success ? id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keyset pagination on the sortable id: a page is "the next `limit` ids after
 * the cursor", so inserts made while a client pages never shift or repeat
 * items (a new id sorts after every existing one, or is simply not yet seen).
 * `after` is a decoded cursor ('' for the first page).
 */
export async function loadPage(
  d1: D1Database,
  input: Pick<ListProductsInput, 'limit' | 'category'>,
  after: string,
): Promise<ProductPage> {
  const filter = input.category === undefined ? '' : 'AND category = ?3';
  const statement = d1.prepare(
    `WITH page AS (
       SELECT ${PRODUCT_COLUMNS} FROM products
       WHERE id > ?1 ${filter}
       ORDER BY id LIMIT ?2
     )
     SELECT ${JOINED_COLUMNS} FROM page p
     LEFT JOIN stock_levels s ON s.sku = p.sku
     ORDER BY p.id`,
  );
  const bound =
    input.category === undefined
      ? statement.bind(after, input.limit + 1)
      : statement.bind(after, input.limit + 1, input.category);
  const items = fold((await bound.all<JoinedRow>()).results);
  const page = items.slice(0, input.limit);
  const last = page[page.length - 1];
  return {
    items: page,
    nextCursor: items.length > input.limit && last ? encodeCursor(last.id) : null,
  };
}

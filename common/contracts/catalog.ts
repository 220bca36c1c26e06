/** Catalog contracts shared by the catalog worker and the gateway. */
import { z } from 'zod';
// Installs the client-facing validation messages in every worker that loads a contract.
import './messages';
import { REGIONS } from '../regions';
import { SkuSchema } from './inventory';

/** Largest price we accept, in minor units: limits keep arithmetic exact and inputs sane. */
export const PRICE_AMOUNT_MAX = 100_000_000_000;

export const MoneySchema = z
  .object({
    amount: z.number().int().nonnegative().max(PRICE_AMOUNT_MAX),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code'),
  })
  .meta({ id: 'Money', description: 'An amount of integer minor units in a currency.' });
export type Money = z.infer<typeof MoneySchema>;

/**
 * Product ids are opaque: `prd_` and upper-case letters or digits. New ones
 * are sortable (`newId('prd')`); seeded or imported ones need not be.
 */
export const ProductIdSchema = z.string().regex(/^prd_[0-9A-Z]{1,60}$/, 'must be a product id');

export const CategorySchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9_-]*$/, 'must be a category: lowercase letters, digits, "_" or "-"');

export const ProductSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    category: z.string(),
    price: MoneySchema,
    updatedAt: z.string(),
    version: z.number().int(),
    /** Units available per region warehouse, from the stock read model (eventual). */
    availability: z.partialRecord(z.enum(REGIONS), z.number().int()),
  })
  .meta({ id: 'Product' });
export type Product = z.infer<typeof ProductSchema>;

/** Body of POST /v1/products and of `createProduct`: unknown fields are refused. */
export const CreateProductInputSchema = z.strictObject({
  sku: SkuSchema,
  name: z.string().trim().min(1).max(200),
  description: z.string().max(4000).default(''),
  category: CategorySchema,
  price: z.strictObject(MoneySchema.shape),
});
export type CreateProductInput = z.input<typeof CreateProductInputSchema>;

/** Body of PATCH /v1/products/:id: any subset of the create fields, at least one. */
export const UpdateProductInputSchema = z
  .strictObject({
    sku: SkuSchema.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().max(4000).optional(),
    category: CategorySchema.optional(),
    price: z.strictObject(MoneySchema.shape).optional(),
  })
  .refine((patch) => Object.values(patch).some((v) => v !== undefined), {
    message: 'send at least one field to change',
  });
export type UpdateProductInput = z.input<typeof UpdateProductInputSchema>;

/**
 * A list query. `category` has the format of the catalog's own categories,
 * so no client value can stand for "no filter" (the cache key spells that
 * out separately; see the catalog's `listKey`).
 */
/** Most SKUs one quote prices (an order holds at most 50 lines). */
export const QUOTE_SKUS_MAX = 50;

/** `quote(skus)`: the SKUs of an order, by format. */
export const QuoteInputSchema = z.array(SkuSchema).min(1).max(QUOTE_SKUS_MAX);

/** One SKU's current price, as `quote` answers it (a list, never a client-keyed object). */
export interface QuotedPrice {
  sku: string;
  unitPrice: Money;
}

/** `skuExists(sku)`: whether a catalog entry has this SKU, and for how long the answer holds. */
export interface SkuPresence {
  exists: boolean;
  /** How long the answer may still be reused without passing the staleness bound. */
  freshForMs: number;
}

export const ListProductsInputSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(200).optional(),
  category: CategorySchema.optional(),
});
export type ListProductsInput = z.infer<typeof ListProductsInputSchema>;

export interface ProductPage {
  items: Product[];
  nextCursor: string | null;
}

/**
 * Which level answered a read; surfaced as `X-Cache` by the gateway.
 * `hit-edge` is the gateway's own edge cache (no call to the catalog).
 * `stale` means every level was past the staleness bound and D1 failed, so
 * the newest entry still held was served instead of an error.
 */
export type CacheLevel = 'hit-edge' | 'hit-memory' | 'hit-cache-api' | 'hit-kv' | 'miss' | 'stale';

/** How fresh a cached read is; the gateway derives `Age` and `Cache-Control` from it. */
export interface CacheMeta {
  cache: CacheLevel;
  /** Milliseconds since the data was read from D1. */
  ageMs: number;
  /** Milliseconds left before the staleness bound is reached (0 when `stale`). */
  freshForMs: number;
  /** The entry was past its soft TTL; a background refresh was started. */
  revalidating: boolean;
}

export interface CachedProduct extends CacheMeta {
  product: Product;
}

export interface CachedProductPage extends CacheMeta {
  page: ProductPage;
}

/** Operator view of one isolate's read path (counters since the isolate started). */
export interface CacheStats {
  /** Queries the read path sent to D1 (one per product or page load). */
  d1Reads: number;
  d1Errors: number;
  hits: { memory: number; cacheApi: number; kv: number };
  misses: number;
  stale: number;
  /** Reads that joined a lookup already in flight for the same key. */
  coalesced: number;
  /** Background refreshes started by stale-while-revalidate. */
  refreshes: number;
  memoryEntries: number;
}

/** Queue binding of the catalog's outbox relay. */
export const CATALOG_EVENTS = 'CATALOG_EVENTS';

export const PRODUCT_CHANGED = 'catalog.product_changed';
export const PRODUCT_DELETED = 'catalog.product_deleted';

/** The product as written (event-carried state; availability is not part of it). */
export const ProductSnapshotSchema = ProductSchema.omit({ availability: true });
export type ProductSnapshot = z.infer<typeof ProductSnapshotSchema>;

export const ProductChangedSchema = z.object({
  change: z.enum(['created', 'updated']),
  product: ProductSnapshotSchema,
  /** Set when an update moved the product to another SKU or category. */
  previous: z.object({ sku: z.string(), category: z.string() }).optional(),
});
export type ProductChanged = z.infer<typeof ProductChangedSchema>;

export const ProductDeletedSchema = z.object({
  productId: z.string(),
  sku: z.string(),
  category: z.string(),
  /** The version that was deleted. */
  version: z.number().int(),
});
export type ProductDeleted = z.infer<typeof ProductDeletedSchema>;

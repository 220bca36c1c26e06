/** Catalog contracts shared by the catalog worker and the gateway. */
import { z } from 'zod';
import { REGIONS } from '../regions';

export const MoneySchema = z.object({
  amount: z.number().int().nonnegative(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code'),
});
export type Money = z.infer<typeof MoneySchema>;

export const ProductSchema = z.object({
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
});
export type Product = z.infer<typeof ProductSchema>;

export const ListProductsInputSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
  category: z.string().min(1).max(64).optional(),
});
export type ListProductsInput = z.infer<typeof ListProductsInputSchema>;

export interface ProductPage {
  items: Product[];
  nextCursor: string | null;
}

/** Which level answered a read; surfaced as `X-Cache` by the gateway. */
export type CacheLevel = 'hit-kv' | 'miss';

export interface CachedProduct {
  product: Product;
  cache: CacheLevel;
}

/** Inventory RPC and event contracts, shared by the inventory worker and its callers. */
import { z } from 'zod';
import { REGIONS } from '../regions';

export const SkuSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'sku must be letters, digits, ".", "_" or "-"');

export const StockLevelSchema = z.object({
  sku: z.string(),
  region: z.enum(REGIONS),
  available: z.number().int(),
  reserved: z.number().int(),
});
export type StockLevel = z.infer<typeof StockLevelSchema>;

export const RestockInputSchema = z.object({
  sku: SkuSchema,
  region: z.enum(REGIONS),
  quantity: z.number().int().positive().max(1_000_000),
  /** Makes the restock idempotent: the same operation id applies once. */
  operationId: z.string().min(1).max(200),
});
export type RestockInput = z.infer<typeof RestockInputSchema>;

export const STOCK_CHANGED = 'inventory.stock_changed';
export const StockChangedSchema = z.object({
  sku: z.string(),
  region: z.enum(REGIONS),
  available: z.number().int(),
  reserved: z.number().int(),
  /** Monotonic per SKU and region; read models keep the highest. */
  version: z.number().int(),
  reason: z.string(),
});
export type StockChanged = z.infer<typeof StockChangedSchema>;

/** Queue destinations of the inventory outbox. */
export const INVENTORY_EVENTS = 'INVENTORY_EVENTS';

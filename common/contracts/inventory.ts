/**
 * Inventory RPC, command and event contracts, shared by the inventory worker
 * and its callers (gateway, order saga, catalog read model).
 *
 * Stock of a SKU in a region is `available + reserved + sold`; only a restock
 * changes that sum. A reservation holds units (available → reserved) until it
 * is confirmed (reserved → sold), released or expires (reserved → available).
 */
import { z } from 'zod';
import { REGIONS } from '../regions';

export const SkuSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'sku must be letters, digits, ".", "_" or "-"');

export const StockLevelSchema = z
  .object({
    sku: z.string(),
    region: z.enum(REGIONS),
    available: z.number().int(),
    reserved: z.number().int(),
    sold: z.number().int(),
  })
  .meta({ id: 'StockLevel' });
export type StockLevel = z.infer<typeof StockLevelSchema>;

export const RestockInputSchema = z.object({
  sku: SkuSchema,
  region: z.enum(REGIONS),
  quantity: z.number().int().positive().max(1_000_000),
  /** Makes the restock idempotent: the same operation id applies once. */
  operationId: z.string().min(1).max(200),
});
export type RestockInput = z.infer<typeof RestockInputSchema>;

// ── Reservations ────────────────────────────────────────────────────────────

/** Limits: items per reservation, units per item, hold lifetime. */
export const RESERVATION_ITEMS_MAX = 100;
export const RESERVATION_QUANTITY_MAX = 10_000;
export const RESERVATION_TTL_MS_MIN = 10;
export const RESERVATION_TTL_MS_MAX = 24 * 60 * 60 * 1000;

export const ReservationIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'reservationId must be visible ASCII');

export const ReservationItemSchema = z.object({
  sku: SkuSchema,
  quantity: z.number().int().positive().max(RESERVATION_QUANTITY_MAX),
});
export type ReservationItem = z.infer<typeof ReservationItemSchema>;

/**
 * `reserveItems`: hold every item (all or nothing) until `ttl_ms` from now.
 * Idempotent by `reservationId`: a repeat never holds twice and answers with
 * the reservation's current state.
 */
export const ReserveItemsInputSchema = z.object({
  reservationId: ReservationIdSchema,
  region: z.enum(REGIONS),
  items: z.array(ReservationItemSchema).min(1).max(RESERVATION_ITEMS_MAX),
  ttl_ms: z.number().int().min(RESERVATION_TTL_MS_MIN).max(RESERVATION_TTL_MS_MAX),
  /** The saga or request this reservation belongs to (e.g. the order id); carried by its events. */
  correlationId: z.string().min(1).max(200).optional(),
});
export type ReserveItemsInput = z.infer<typeof ReserveItemsInputSchema>;

/**
 * `confirmReservation` / `releaseReservation`: the SKUs route the call to the
 * shards that hold the reservation (the saga keeps the order's items).
 */
export const ReservationRefInputSchema = z.object({
  reservationId: ReservationIdSchema,
  region: z.enum(REGIONS),
  skus: z.array(SkuSchema).min(1).max(RESERVATION_ITEMS_MAX),
  correlationId: z.string().min(1).max(200).optional(),
});
export type ReservationRefInput = z.infer<typeof ReservationRefInputSchema>;

export const RESERVATION_STATUSES = [
  'held',
  'confirmed',
  'released',
  'expired',
  'rejected',
] as const;
export type ReservationStatus = (typeof RESERVATION_STATUSES)[number];

export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

/** A reservation as one shard holds it (its part of the items). */
export interface ShardReservation {
  reservationId: string;
  region: (typeof REGIONS)[number];
  status: ReservationStatus;
  items: ReservationItem[];
  /** Epoch ms after which a held reservation returns its stock. */
  expiresAt: number;
  updatedAt: number;
  shortages?: Shortage[];
}

/** A reservation across every shard its items map to. */
export interface Reservation {
  reservationId: string;
  region: (typeof REGIONS)[number];
  /** `held` until every shard confirmed; `confirmed` after. */
  status: 'held' | 'confirmed';
  items: ReservationItem[];
  /** The earliest expiry among the shards' holds (epoch ms). */
  expiresAt: number;
  shards: string[];
}

/** Outcome of `releaseReservation`: the reservation no longer holds stock. */
export interface ReleasedReservation {
  reservationId: string;
  region: (typeof REGIONS)[number];
  status: 'released';
  shards: string[];
}

/**
 * Rule names of expected failures (Result problems): `out_of_stock` (409, one
 * field error per short SKU), `reservation_expired` / `reservation_released`
 * (409, the hold is gone), `reservation_confirmed` (409), `reservation_not_found` (404), `reservation_id_reused` (409, the
 * id was used for other items), `reservation_invalid` (400),
 * `inventory_unavailable` (503, retry the same call).
 */
export type ReservationFailureCode =
  | 'out_of_stock'
  | 'reservation_expired'
  | 'reservation_released'
  | 'reservation_confirmed'
  | 'reservation_not_found'
  | 'reservation_id_reused'
  | 'reservation_invalid'
  | 'inventory_unavailable';

// ── Events (shard outbox → queue meridian-inventory-events-<region>) ───────

export const STOCK_CHANGED = 'inventory.stock_changed';
export const StockChangedSchema = z.object({
  sku: z.string(),
  region: z.enum(REGIONS),
  available: z.number().int(),
  reserved: z.number().int(),
  /** Absent in events written before sold units were tracked. */
  sold: z.number().int().optional(),
  /** Monotonic per SKU and region; read models keep the highest. */
  version: z.number().int(),
  /** restock | reserve | confirm | release | expire */
  reason: z.string(),
});
export type StockChanged = z.infer<typeof StockChangedSchema>;

export const RESTOCKED = 'inventory.restocked';
export const RestockedSchema = z.object({
  sku: z.string(),
  region: z.enum(REGIONS),
  quantity: z.number().int(),
  operationId: z.string(),
});
export type Restocked = z.infer<typeof RestockedSchema>;

/** One event type per reservation transition, emitted by each shard for its items. */
export const RESERVATION_EVENTS = {
  held: 'inventory.reservation_held',
  rejected: 'inventory.reservation_rejected',
  confirmed: 'inventory.reservation_confirmed',
  released: 'inventory.reservation_released',
  expired: 'inventory.reservation_expired',
} as const satisfies Record<ReservationStatus, string>;

export const ReservationEventSchema = z.object({
  reservationId: z.string(),
  region: z.enum(REGIONS),
  status: z.enum(RESERVATION_STATUSES),
  items: z.array(ReservationItemSchema),
  expiresAt: z.number().int(),
  shortages: z
    .array(z.object({ sku: z.string(), requested: z.number(), available: z.number() }))
    .optional(),
});
export type ReservationEvent = z.infer<typeof ReservationEventSchema>;

/** Destination of the inventory outbox (producers INVENTORY_EVENTS_<REGION>). */
export const INVENTORY_EVENTS = 'INVENTORY_EVENTS';

// ── Commands (queues meridian-inventory-commands-<region>) and their replies

/** Topic of the saga's inventory commands: one queue per region, `<topic>-<region>`. */
export const INVENTORY_COMMANDS_QUEUE = 'meridian-inventory-commands';

/** Command types; payloads are the RPC inputs of the same name. */
export const INVENTORY_COMMANDS = {
  reserveItems: 'inventory.reserve_items',
  confirmReservation: 'inventory.confirm_reservation',
  releaseReservation: 'inventory.release_reservation',
} as const;

/** Reply event type on the saga replies queue: a `CommandResult` (common/commands.ts). */
export const INVENTORY_COMMAND_RESULT = 'inventory.command_result';

/**
 * Order saga contracts: the commands the saga sends to inventory and
 * payments, the replies they send back, and the events the saga publishes.
 * Declared once, used by every side.
 */
import { z } from 'zod';
// Installs the client-facing validation messages in every worker that loads a contract.
import './messages';
import { REGIONS } from '../regions';
import { MoneySchema } from './catalog';
import { SkuSchema } from './inventory';

export const ORDER_STATUSES = [
  'PENDING',
  'STOCK_RESERVED',
  'PAYMENT_CAPTURED',
  'CONFIRMED',
  'REJECTED',
  'COMPENSATING',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const TERMINAL_STATUSES: readonly OrderStatus[] = ['CONFIRMED', 'REJECTED', 'CANCELLED'];
export const isTerminal = (status: OrderStatus) => TERMINAL_STATUSES.includes(status);

/**
 * An order id: 27 characters when it names its region (`regionOfId`), 26 for
 * one made before ids did. Every boundary that takes an order id checks this.
 */
export const ORDER_ID_PATTERN = /^ord_[0-9A-Z]{26,27}$/;
export const OrderIdSchema = z.string().regex(ORDER_ID_PATTERN, 'not an order id');

export const OrderItemInputSchema = z
  .object({
    // A SKU by format: it is looked up (quote, stock), and only catalog SKUs pass.
    sku: SkuSchema,
    quantity: z.number().int().positive().max(1000),
  })
  .strict();

export const PricedItemSchema = z
  .object({
    sku: z.string(),
    quantity: z.number().int().positive(),
    unitPrice: MoneySchema,
  })
  .meta({ id: 'PricedItem' });
export type PricedItem = z.infer<typeof PricedItemSchema>;

const Region = z.enum(REGIONS);

/**
 * Destinations of the saga's outbox (producer bindings `<DESTINATION>_<REGION>`:
 * a message goes only to its region's queue). Commands use the services' own
 * contracts (INVENTORY_COMMANDS in contracts/inventory, PAYMENT_COMMANDS in
 * contracts/payments); each is answered by one CommandResult (common/commands),
 * returned by the direct call or sent on the saga replies queue.
 */
export const INVENTORY_COMMANDS_QUEUE = 'INVENTORY_COMMANDS';
export const PAYMENTS_COMMANDS_QUEUE = 'PAYMENTS_COMMANDS';
/** A topic: every binding named ORDER_EVENTS_<REGION>__* receives each event of that region. */
export const ORDER_EVENTS = 'ORDER_EVENTS';
/** Topics (queue name without its `-<region>`) the orders worker consumes. */
export const ORDER_EVENTS_QUEUE = 'meridian-order-events';

/**
 * What a reply means to the saga. The orders worker turns each CommandResult
 * into one of these before the saga sees it.
 */
export const MESSAGE = {
  stockReserved: 'inventory.stock_reserved',
  stockUnavailable: 'inventory.stock_unavailable',
  reservationConfirmed: 'inventory.reservation_confirmed',
  reservationConfirmFailed: 'inventory.reservation_confirm_failed',
  reservationReleased: 'inventory.reservation_released',
  paymentCaptured: 'payments.payment_captured',
  paymentDeclined: 'payments.payment_declined',
  paymentRefunded: 'payments.payment_refunded',
  orderStatusChanged: 'order.status_changed',
} as const;

export const OrderSnapshotSchema = z.object({
  orderId: z.string(),
  customerId: z.string(),
  region: Region,
  status: z.enum(ORDER_STATUSES),
  version: z.number().int(),
  items: z.array(PricedItemSchema),
  total: MoneySchema,
  reason: z.string().nullable(),
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
  /**
   * Terminal events only: how the saga's command replies came, by the fast
   * path (direct call) or a queue (analytics counts the fast path's share).
   * Absent from events of earlier releases.
   */
  replies: z
    .object({ fastPath: z.number().int().nonnegative(), queue: z.number().int().nonnegative() })
    .optional(),
});
export type OrderSnapshot = z.infer<typeof OrderSnapshotSchema>;

export interface OrderView {
  orderId: string;
  customerId: string;
  status: OrderStatus;
  items: PricedItem[];
  total: z.infer<typeof MoneySchema>;
  history: Array<{ status: OrderStatus; at: string; reason?: string }>;
}

export const PlaceOrderInputSchema = z.object({
  orderId: z.string(),
  customerId: z.string(),
  region: Region,
  items: z.array(PricedItemSchema).min(1).max(50),
});
export type PlaceOrderInput = z.infer<typeof PlaceOrderInputSchema>;

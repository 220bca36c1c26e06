/**
 * Order saga contracts: the commands the saga sends to inventory and
 * payments, the replies they send back, and the events the saga publishes.
 * Declared once, used by every side.
 */
import { z } from 'zod';
import { REGIONS } from '../regions';
import { MoneySchema } from './catalog';

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

export const OrderItemInputSchema = z
  .object({
    sku: z.string().min(1).max(64),
    quantity: z.number().int().positive().max(1000),
  })
  .strict();

export const PricedItemSchema = z.object({
  sku: z.string(),
  quantity: z.number().int().positive(),
  unitPrice: MoneySchema,
});
export type PricedItem = z.infer<typeof PricedItemSchema>;

const Region = z.enum(REGIONS);
const StockItems = z
  .array(z.object({ sku: z.string(), quantity: z.number().int().positive() }))
  .min(1);

/** Queue destinations (bindings or topics) of the saga's outbox. */
export const INVENTORY_COMMANDS = 'INVENTORY_COMMANDS';
export const PAYMENTS_COMMANDS = 'PAYMENTS_COMMANDS';
export const ORDER_REPLIES = 'ORDER_REPLIES';
/** A topic: every binding named ORDER_EVENTS__* receives each event. */
export const ORDER_EVENTS = 'ORDER_EVENTS';

// Commands to inventory.
export const ReserveStockSchema = z.object({
  orderId: z.string(),
  reservationId: z.string(),
  region: Region,
  items: StockItems,
  ttl_ms: z.number().int().positive(),
});
export const ReservationRefSchema = z.object({
  orderId: z.string(),
  reservationId: z.string(),
  region: Region,
});

// Commands to payments.
export const CapturePaymentSchema = z.object({
  orderId: z.string(),
  customerId: z.string(),
  region: Region,
  amount: MoneySchema,
  operationId: z.string(),
});
export const RefundPaymentSchema = CapturePaymentSchema.extend({ captureOperationId: z.string() });

// Replies to the saga.
export const StockUnavailableSchema = ReservationRefSchema.extend({ reason: z.string() });
export const PaymentReplySchema = z.object({
  orderId: z.string(),
  operationId: z.string(),
  reason: z.string().optional(),
});

export const MESSAGE = {
  reserveStock: 'inventory.reserve_stock',
  confirmReservation: 'inventory.confirm_reservation',
  releaseReservation: 'inventory.release_reservation',
  stockReserved: 'inventory.stock_reserved',
  stockUnavailable: 'inventory.stock_unavailable',
  reservationConfirmed: 'inventory.reservation_confirmed',
  reservationConfirmFailed: 'inventory.reservation_confirm_failed',
  reservationReleased: 'inventory.reservation_released',
  capturePayment: 'payments.capture_payment',
  refundPayment: 'payments.refund_payment',
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

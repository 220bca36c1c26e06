/**
 * Cart contracts between the gateway and the carts service. A cart is
 * multi-leader: every replica takes writes, and its `version` is the
 * replica's version vector (changes seen, per replica).
 */
import { z } from 'zod';
import type { Region } from '../regions';
import { OrderItemInputSchema } from './orders';

/** A line as a client adds it: the same rules as an order line (SKU, 1…1000). */
export const CartItemInputSchema = OrderItemInputSchema;
export type CartItemInput = z.infer<typeof CartItemInputSchema>;

export const CartItemSchema = z
  .object({ sku: z.string(), quantity: z.number().int().positive() })
  .meta({ id: 'CartItem' });

export const CartViewSchema = z
  .object({
    items: z.array(CartItemSchema),
    replica: z.string().meta({ description: 'The replica that served the request.' }),
    version: z.record(z.string(), z.number().int().nonnegative()).meta({
      description: "The serving replica's version vector: changes it has seen, per replica.",
    }),
  })
  .meta({ id: 'Cart' });
export type CartView = z.infer<typeof CartViewSchema>;

/** Whose cart, and where the request is served (which replica takes it). */
export interface CartRef {
  customerId: string;
  home: Region;
  serving: Region;
}

/** The lines a checkout takes, as recorded for the order (the first attempt's, on a retry). */
export interface CheckoutLines {
  orderId: string;
  items: Array<{ sku: string; quantity: number }>;
}

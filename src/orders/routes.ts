/**
 * Orders. Placing an order starts its saga (202 + Location); the order's
 * status is linearizable at the saga (GET /v1/orders/{id}, with optional
 * long-polling), the list is eventual (the region's read model).
 */

import { MoneySchema } from '@common/contracts/catalog';
import {
  isTerminal,
  ORDER_STATUSES,
  OrderIdSchema,
  OrderItemInputSchema,
  PricedItemSchema,
} from '@common/contracts/orders';
import { BOOKMARK_HEADER } from '@common/d1-session';
import { problem, unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { withAccess } from '../auth/access';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { acceptingOrders } from '../flags/middleware';
import { BookmarkHeaders, documentedHeaders, problemResponses } from '../http/openapi';
import { idempotent } from '../idempotency/middleware';
import { callerKey } from '../ratelimit/middleware';
import { callUpstream } from '../upstream/upstream';
import { isolateLongPolls } from './long-polls';
import { orderIdOf, placeOrder } from './place';

const ORDER_STATUS = z.enum(ORDER_STATUSES).openapi('OrderStatus');
const OrderSchema = z
  .object({
    orderId: z.string(),
    status: ORDER_STATUS,
    items: z.array(PricedItemSchema),
    total: MoneySchema,
    history: z.array(
      z.object({ status: ORDER_STATUS, at: z.string(), reason: z.string().optional() }),
    ),
  })
  .openapi('Order');
const Accepted = z.object({ orderId: z.string(), status: ORDER_STATUS }).openapi('OrderAccepted');
const PlaceBody = z
  .object({ items: z.array(OrderItemInputSchema).min(1).max(50) })
  .strict()
  .refine((b) => new Set(b.items.map((i) => i.sku)).size === b.items.length, {
    message: 'each sku may appear once',
    path: ['items'],
  });
const IdParam = z.object({ id: OrderIdSchema });

export const orders = new OpenAPIHono<GatewayBindings>();

orders.openapi(
  createRoute(
    withAccess('customer', {
      method: 'post',
      path: '/v1/orders',
      // A retry with the same key gets the first response (the same order id) replayed.
      middleware: [acceptingOrders(), idempotent()],
      summary:
        'Place an order (customer; Idempotency-Key required). Starts the order saga; 202 + Location.',
      request: { body: { content: { 'application/json': { schema: PlaceBody } }, required: true } },
      responses: {
        202: {
          description: 'accepted: the saga runs',
          headers: documentedHeaders('Location'),
          content: { 'application/json': { schema: Accepted } },
        },
        ...problemResponses(400, 401, 403, 409, 415, 422, 429, 503),
      },
    }),
  ),
  async (c) => {
    const orderId = await orderIdOf(c);
    const order = await placeOrder(c, orderId, c.req.valid('json').items);
    c.header('location', `/v1/orders/${order.orderId}`);
    return c.json(order, 202);
  },
);

orders.openapi(
  createRoute(
    withAccess('owner', {
      method: 'get',
      path: '/v1/orders/{id}',
      summary:
        'One order (its owner, an admin or the operator; another customer gets 404; linearizable: read at its saga). waitMs ≤ 10000 long-polls until terminal.',
      description:
        'A long-poll is answered at once when the order is terminal or not yours (404). A caller may ' +
        'have a few long-polls waiting at once (LONG_POLL_PER_PRINCIPAL_MAX, 5 by default, per gateway ' +
        'isolate); the next one is a 429 with Retry-After.',
      request: {
        params: IdParam,
        query: z.object({ waitMs: z.coerce.number().int().min(0).max(10_000).optional() }),
      },
      responses: {
        200: { description: 'the order', content: { 'application/json': { schema: OrderSchema } } },
        ...problemResponses(400, 401, 403, 404, 429, 503),
      },
    }),
  ),
  async (c) => {
    const principal = principalOf(c);
    const { id } = c.req.valid('param');
    const waitMs = c.req.valid('query').waitMs ?? 0;
    const admin = principal.roles.includes('admin');
    const region = admin ? null : c.var.homeRegion;
    const owner = admin ? null : principal.id;
    const started = Date.now();
    // A long-poll takes its caller's slot first: past the cap it is a 429
    // before it costs an upstream call, so no caller can fill the bulkhead.
    const slot = waitMs > 0 ? longPollSlot(c, callerKey(c)) : undefined;
    try {
      // Ownership first, without waiting: another customer's order is a 404 before anything waits.
      let order = unwrap(
        await callUpstream('orders', () => c.env.ORDERS.getOrder(id, region, owner, 0), {
          log: c.get('log'),
        }),
      );
      const left_ms = waitMs - (Date.now() - started);
      if (left_ms > 0 && !isTerminal(order.status)) {
        // The wait holds the caller's slot and no bulkhead slot.
        order = unwrap(
          await callUpstream('orders', () => c.env.ORDERS.getOrder(id, region, owner, left_ms), {
            log: c.get('log'),
            bulkhead: false,
            timeout_ms: left_ms + 5000,
          }),
        );
      }
      const { customerId: _owner, ...body } = order;
      return c.json(body, 200);
    } finally {
      slot?.release();
    }
  },
);

/** One of the caller's long-poll slots, or the 429 (caller's cap) / 503 (isolate's cap) problem. */
function longPollSlot(c: Context<GatewayBindings>, caller: string): { release: () => void } {
  const slot = isolateLongPolls(c.env).acquire(caller);
  if (slot.ok) return slot;
  if (slot.reason === 'principal_limit') {
    throw problem(
      429,
      'long_polls_exceeded',
      'too many long-polls of this caller are waiting; retry after the others end',
      { retryAfter: 1 },
    );
  }
  throw problem(503, 'long_polls_saturated', 'too many long-polls are waiting', {
    retryAfter: 1,
  });
}

orders.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/orders',
      summary:
        "The caller's orders (customer; eventual: from the region's read model, served by the nearest D1 replica). Send the X-D1-Bookmark of a previous answer to read at least that fresh.",
      request: {
        query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }),
        headers: BookmarkHeaders,
      },
      responses: {
        200: {
          description: 'orders, newest first',
          headers: documentedHeaders('X-D1-Bookmark'),
          content: {
            'application/json': {
              schema: z.object({
                items: z.array(
                  z.object({
                    orderId: z.string(),
                    status: ORDER_STATUS,
                    total: MoneySchema,
                    items: z.array(PricedItemSchema),
                    createdAt: z.string(),
                    updatedAt: z.string(),
                  }),
                ),
              }),
            },
          },
        },
        ...problemResponses(401, 403, 503),
      },
    }),
  ),
  async (c) => {
    const customer = principalOf(c);
    const region = c.var.homeRegion;
    const bookmark = c.req.header(BOOKMARK_HEADER) ?? null;
    const page = unwrap(
      await callUpstream(
        'orders',
        () =>
          c.env.ORDERS.listOrders(customer.id, region, c.req.valid('query').limit ?? 50, bookmark),
        { log: c.get('log') },
      ),
    );
    if (page.bookmark) c.header(BOOKMARK_HEADER, page.bookmark);
    return c.json({ items: page.items.map(({ customerId: _owner, ...order }) => order) }, 200);
  },
);

orders.openapi(
  createRoute(
    withAccess('customer', {
      method: 'post',
      path: '/v1/orders/{id}/cancel',
      summary: 'Cancel an order before confirmation (owner); 409 once confirmed or terminal.',
      request: { params: IdParam },
      responses: {
        200: { description: 'cancelling', content: { 'application/json': { schema: Accepted } } },
        ...problemResponses(401, 403, 404, 409, 503),
      },
    }),
  ),
  async (c) => {
    const customer = principalOf(c);
    const { id } = c.req.valid('param');
    const region = c.var.homeRegion;
    const order = unwrap(
      await callUpstream('orders', () => c.env.ORDERS.cancelOrder(id, region, customer.id), {
        log: c.get('log'),
      }),
    );
    return c.json({ orderId: order.orderId, status: order.status }, 200);
  },
);

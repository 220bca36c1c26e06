/**
 * Orders. Placing an order starts its saga (202 + Location); the order's
 * status is linearizable at the saga (GET /v1/orders/{id}, with optional
 * long-polling), the list is eventual (the region's read model).
 */

import { MoneySchema } from '@common/contracts/catalog';
import {
  ORDER_ID_PATTERN,
  ORDER_STATUSES,
  OrderItemInputSchema,
  PricedItemSchema,
} from '@common/contracts/orders';
import { BOOKMARK_HEADER } from '@common/d1-session';
import { unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { acceptingOrders } from '../flags/middleware';
import { BookmarkHeaders, documentedHeaders, problemResponses } from '../http/openapi';
import { idempotent } from '../idempotency/middleware';
import { callUpstream } from '../upstream/upstream';
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
const IdParam = z.object({ id: z.string().regex(ORDER_ID_PATTERN, 'not an order id') });

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
      request: {
        params: IdParam,
        query: z.object({ waitMs: z.coerce.number().int().min(0).max(10_000).optional() }),
      },
      responses: {
        200: { description: 'the order', content: { 'application/json': { schema: OrderSchema } } },
        ...problemResponses(400, 401, 403, 404, 503),
      },
    }),
  ),
  async (c) => {
    const principal = principalOf(c);
    const { id } = c.req.valid('param');
    const waitMs = c.req.valid('query').waitMs ?? 0;
    const admin = principal.roles.includes('admin');
    const region = admin ? null : c.var.homeRegion;
    const order = unwrap(
      await callUpstream(
        'orders',
        () => c.env.ORDERS.getOrder(id, region, admin ? null : principal.id, waitMs),
        {
          log: c.get('log'),
          timeout_ms: waitMs + 5000,
        },
      ),
    );
    const { customerId: _owner, ...body } = order;
    return c.json(body, 200);
  },
);

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

/**
 * Carts (multi-leader: available under partition). Every request is served
 * by the cart replica of the region serving it (`servingRegion`: the edge's
 * region; `X-Meridian-Region` in development), which takes writes on its own
 * and converges with the other replicas by CRDT merge (docs/replication.md).
 * PACELC: PA/EL — no round trip to a leader, ever.
 */
import { CartItemInputSchema, type CartRef, CartViewSchema } from '@common/contracts/carts';
import { ORDER_STATUSES } from '@common/contracts/orders';
import { unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { CustomerIdParam, customerHome } from '../admin/customer-home';
import { withAccess } from '../auth/access';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { acceptingOrders } from '../flags/middleware';
import { documentedHeaders, problemResponses } from '../http/openapi';
import { idempotent } from '../idempotency/middleware';
import { orderIdOf, placeOrder } from '../orders/place';
import { callUpstream } from '../upstream/upstream';
import { assertSkuInCatalog } from './sku';

type Ctx = Context<GatewayBindings>;

const Cart = CartViewSchema;
const Accepted = z
  .object({ orderId: z.string(), status: z.enum(ORDER_STATUSES) })
  .openapi('CheckoutAccepted');
const SkuParam = z.object({ sku: z.string().min(1).max(64) });

const cartRef = (c: Ctx): CartRef => ({
  customerId: principalOf(c).id,
  home: c.var.homeRegion,
  serving: c.var.servingRegion,
});
const meta = (c: Ctx) => ({ requestId: c.get('requestId'), traceparent: c.get('traceparent') });
const carts = <R>(c: Ctx, call: () => R) => callUpstream('carts', call, { log: c.get('log') });

export const cart = new OpenAPIHono<GatewayBindings>();

cart.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/cart',
      summary:
        "Your cart as the serving region's replica holds it (multi-leader, PA/EL: converges with the other replicas).",
      responses: {
        200: { description: 'the cart', content: { 'application/json': { schema: Cart } } },
        ...problemResponses(400, 401, 403, 503),
      },
    }),
  ),
  async (c) => c.json(unwrap(await carts(c, () => c.env.CARTS.getCart(cartRef(c)))), 200),
);

cart.openapi(
  createRoute(
    withAccess('customer', {
      method: 'post',
      path: '/v1/cart/items',
      summary:
        'Add `quantity` of a SKU at the serving replica; concurrent adds at two replicas sum. 409 past a limit (50 lines, 1000 per line).',
      request: {
        body: { content: { 'application/json': { schema: CartItemInputSchema } }, required: true },
      },
      responses: {
        200: { description: 'the cart', content: { 'application/json': { schema: Cart } } },
        ...problemResponses(400, 401, 403, 409, 413, 415, 503),
      },
    }),
  ),
  async (c) => {
    const item = c.req.valid('json');
    await assertSkuInCatalog(c, item.sku);
    const view = unwrap(await carts(c, () => c.env.CARTS.addItem(cartRef(c), item, meta(c))));
    return c.json(view, 200);
  },
);

cart.openapi(
  createRoute(
    withAccess('customer', {
      method: 'delete',
      path: '/v1/cart/items/{sku}',
      summary:
        'Remove the line as the serving replica sees it; an add at another replica it had not seen survives.',
      request: { params: SkuParam },
      responses: {
        200: { description: 'the cart', content: { 'application/json': { schema: Cart } } },
        ...problemResponses(400, 401, 403, 503),
      },
    }),
  ),
  async (c) => {
    const { sku } = c.req.valid('param');
    const view = unwrap(await carts(c, () => c.env.CARTS.removeItem(cartRef(c), sku, meta(c))));
    return c.json(view, 200);
  },
);

cart.openapi(
  createRoute(
    withAccess('customer', {
      method: 'post',
      path: '/v1/cart/checkout',
      // The ordering kill switch first: a refused checkout neither takes nor stores its key.
      middleware: [acceptingOrders(), idempotent()],
      summary:
        'Order the lines of the cart (Idempotency-Key required): 202 as POST /v1/orders. Once the order is CONFIRMED its lines leave the cart at every replica; lines added meanwhile stay.',
      responses: {
        202: {
          description: 'accepted: the order saga runs',
          headers: documentedHeaders('Location'),
          content: { 'application/json': { schema: Accepted } },
        },
        ...problemResponses(400, 401, 403, 409, 415, 422, 503),
      },
    }),
  ),
  async (c) => {
    const orderId = await orderIdOf(c);
    const lines = unwrap(await carts(c, () => c.env.CARTS.checkout(cartRef(c), orderId)));
    const order = await placeOrder(c, orderId, lines.items);
    c.header('location', `/v1/orders/${order.orderId}`);
    return c.json(order, 202);
  },
);

const ReplicaSchema = z.object({
  id: z.string(),
  region: z.string(),
  items: CartViewSchema.shape.items,
  version: CartViewSchema.shape.version,
  behind: z
    .array(z.string())
    .openapi({ description: "Peers that lack some of this replica's changes." }),
  undelivered: z.number().int().openapi({ description: 'Messages in its outbox.' }),
});

cart.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/carts/{customerId}/replicas',
      summary:
        "Every replica of a customer's cart (admin): its lines, version vector and what it has not yet delivered; `converged` when all hold the same cart.",
      request: { params: CustomerIdParam },
      responses: {
        200: {
          description: 'the replicas',
          content: {
            'application/json': {
              schema: z.object({ converged: z.boolean(), replicas: z.array(ReplicaSchema) }),
            },
          },
        },
        ...problemResponses(400, 401, 403, 404, 503),
      },
    }),
  ),
  async (c) => {
    const { customerId } = c.req.valid('param');
    const home = await customerHome(c, customerId);
    const replicas = unwrap(await carts(c, () => c.env.CARTS.inspectCart(customerId, home)));
    const first = JSON.stringify(replicas[0]?.items ?? []);
    const converged = replicas.every((r) => JSON.stringify(r.items) === first);
    return c.json({ converged, replicas }, 200);
  },
);

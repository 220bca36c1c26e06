/**
 * Placing an order, the one path both `POST /v1/orders` and
 * `POST /v1/cart/checkout` take: the order id derived from the request's
 * Idempotency-Key, the lines priced by the catalog now, then the saga started
 * in the customer's home region.
 */
import type { OrderStatus, PricedItem } from '@common/contracts/orders';
import { problem, unwrap } from '@common/problem';
import { derivedRegionalId } from '@common/regions';
import type { Context } from 'hono';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { callUpstream } from '../upstream/upstream';

type Ctx = Context<GatewayBindings>;

/**
 * The order id of this (idem) request, derived from its key: a retry that
 * takes over an attempt that died after placing the order names the same
 * saga, which places it once. The id names the customer's home region
 * (`regionOfId`), so every later lookup asks that region only.
 */
export async function orderIdOf(c: Ctx): Promise<string> {
  const idem = c.get('idempotency');
  if (!idem) throw problem(400, 'idempotency_key_required', 'send an Idempotency-Key header');
  return derivedRegionalId('ord', c.var.homeRegion, idem.startedAt, idem.operationId);
}

/** Prices `items` and starts the order's saga; the caller answers 202 with the result. */
export async function placeOrder(
  c: Ctx,
  orderId: string,
  items: ReadonlyArray<{ sku: string; quantity: number }>,
): Promise<{ orderId: string; status: OrderStatus }> {
  const customer = principalOf(c);
  const log = c.get('log');
  const quoted = unwrap(
    await callUpstream('catalog', () => c.env.CATALOG.quote(items.map((i) => i.sku)), { log }),
  );
  // A Map: a SKU is client input, and a plain object would find `constructor` on its prototype.
  const prices = new Map(quoted.map((q) => [q.sku, q.unitPrice]));
  const priced: PricedItem[] = items.map((i) => {
    const unitPrice = prices.get(i.sku);
    if (!unitPrice) throw problem(400, 'sku_unknown', `unknown sku ${i.sku}`);
    return { sku: i.sku, quantity: i.quantity, unitPrice };
  });
  if (new Set(priced.map((i) => i.unitPrice.currency)).size > 1) {
    throw problem(400, 'mixed_currencies', 'all items of an order must be priced in one currency');
  }
  const meta = { requestId: c.get('requestId'), traceparent: c.get('traceparent') };
  const order = unwrap(
    await callUpstream(
      'orders',
      () =>
        c.env.ORDERS.placeOrder(
          { orderId, customerId: customer.id, region: c.var.homeRegion, items: priced },
          meta,
        ),
      { log },
    ),
  );
  return { orderId: order.orderId, status: order.status };
}

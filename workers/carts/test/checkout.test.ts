/**
 * Checkout and limits at the carts service: a checkout records the lines it
 * takes at the primary replica; the order's CONFIRMED event takes exactly
 * those out of every replica (a line added meanwhile stays), once; an order
 * that fails leaves the cart alone.
 */

import { runInDurableObject } from 'cloudflare:test';
import { MESSAGE, type OrderSnapshot } from '@common/contracts/orders';
import { makeEnvelope } from '@common/envelope';
import { type Region, regionalId } from '@common/regions';
import { describe, expect, it } from 'vitest';
import {
  add,
  at,
  cartAt,
  carts,
  deliver,
  meta,
  newCustomer,
  replica,
  untilConverged,
} from './helpers';

function orderEvent(
  customerId: string,
  region: Region,
  orderId: string,
  status: OrderSnapshot['status'],
) {
  const now = Date.now();
  const payload: OrderSnapshot = {
    orderId,
    customerId,
    region,
    status,
    version: 4,
    items: [],
    total: { amount: 0, currency: 'USD' },
    reason: null,
    createdAt: now,
    updatedAt: now,
  };
  return makeEnvelope({
    type: MESSAGE.orderStatusChanged,
    payload,
    region,
    correlationId: orderId,
    traceparent: meta().traceparent,
  });
}

/** The carts' order-event queue of a region (the orders worker's ORDER_EVENTS_<REGION>__CARTS). */
const orderEvents = (region: Region) => `meridian-cart-order-events-${region}`;

describe('checkout', () => {
  it('a confirmed order takes exactly its lines out of every replica; a line added meanwhile stays; a redelivery changes nothing', async () => {
    const customer = newCustomer();
    await add(at(customer, 'us', 'us'), 'MRD-TEE-001', 2);
    await add(at(customer, 'us', 'apac'), 'MRD-MUG-003', 1);
    await untilConverged(customer, 'us', [
      { sku: 'MRD-MUG-003', quantity: 1 },
      { sku: 'MRD-TEE-001', quantity: 2 },
    ]);
    const orderId = regionalId('ord', 'us');
    const checkout = await carts.checkout(at(customer, 'us', 'eu'), orderId);
    expect(checkout.ok && checkout.value.items).toEqual([
      { sku: 'MRD-MUG-003', quantity: 1 },
      { sku: 'MRD-TEE-001', quantity: 2 },
    ]);
    await add(at(customer, 'us', 'eu'), 'MRD-TEE-001', 3);
    const confirmed = orderEvent(customer, 'us', orderId, 'CONFIRMED');
    expect((await deliver(orderEvents('us'), confirmed)).explicitAcks).toHaveLength(1);
    await untilConverged(customer, 'us', [{ sku: 'MRD-TEE-001', quantity: 3 }]);
    await deliver(orderEvents('us'), confirmed, orderEvent(customer, 'us', orderId, 'CONFIRMED'));
    await untilConverged(customer, 'us', [{ sku: 'MRD-TEE-001', quantity: 3 }]);
  });

  it('an order that ends otherwise leaves the cart as it was', async () => {
    const customer = newCustomer();
    await add(at(customer, 'eu', 'eu'), 'MRD-CAP-002', 4);
    await untilConverged(customer, 'eu', [{ sku: 'MRD-CAP-002', quantity: 4 }]);
    const orderId = regionalId('ord', 'eu');
    expect((await carts.checkout(at(customer, 'eu', 'apac'), orderId)).ok).toBe(true);
    await deliver(orderEvents('eu'), orderEvent(customer, 'eu', orderId, 'REJECTED'));
    // A late CONFIRMED for the same order (impossible from a saga, but a replay) takes nothing.
    await deliver(orderEvents('eu'), orderEvent(customer, 'eu', orderId, 'CONFIRMED'));
    await untilConverged(customer, 'eu', [{ sku: 'MRD-CAP-002', quantity: 4 }]);
  });

  it('an order event on another region’s queue is refused, never applied: the cart keeps its lines', async () => {
    const customer = newCustomer();
    await add(at(customer, 'eu', 'eu'), 'MRD-CAP-002', 2);
    const orderId = regionalId('ord', 'eu');
    expect((await carts.checkout(at(customer, 'eu', 'eu'), orderId)).ok).toBe(true);
    const result = await deliver(
      orderEvents('us'),
      orderEvent(customer, 'eu', orderId, 'CONFIRMED'),
    );
    expect(result.explicitAcks).toEqual([]);
    expect((await cartAt(at(customer, 'eu', 'eu'))).items).toEqual([
      { sku: 'MRD-CAP-002', quantity: 2 },
    ]);
  });

  it('a retried checkout of the same order takes the lines recorded first, whatever the cart holds now', async () => {
    const customer = newCustomer();
    await add(at(customer, 'us', 'us'), 'MRD-TEE-001', 1);
    const orderId = regionalId('ord', 'us');
    const first = await carts.checkout(at(customer, 'us', 'us'), orderId);
    await add(at(customer, 'us', 'us'), 'MRD-TEE-001', 5);
    const retry = await carts.checkout(at(customer, 'us', 'us'), orderId);
    expect(first.ok && first.value.items).toEqual([{ sku: 'MRD-TEE-001', quantity: 1 }]);
    expect(retry.ok && retry.value.items).toEqual([{ sku: 'MRD-TEE-001', quantity: 1 }]);
  });

  it('an empty cart cannot be checked out (409 cart_empty)', async () => {
    const result = await carts.checkout(
      at(newCustomer(), 'apac', 'apac'),
      regionalId('ord', 'apac'),
    );
    expect(!result.ok && result.problem).toMatchObject({ status: 409, code: 'cart_empty' });
  });

  it('an order event for an order that did not come from a cart creates no replica storage', async () => {
    const customer = newCustomer();
    const result = await deliver(
      orderEvents('us'),
      orderEvent(customer, 'us', regionalId('ord', 'us'), 'CONFIRMED'),
    );
    expect(result.explicitAcks).toHaveLength(1);
    const tables = await runInDurableObject(replica(customer, 'us', 0), (_, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table'").toArray(),
    );
    expect(tables).toEqual([]);
  });
});

describe('limits', () => {
  it('a line holds at most 1000: the add past it is a 409 and changes nothing', async () => {
    const ref = at(newCustomer(), 'us', 'us');
    await add(ref, 'MRD-TEE-001', 1000);
    const over = await carts.addItem(ref, { sku: 'MRD-TEE-001', quantity: 1 }, meta());
    expect(!over.ok && over.problem).toMatchObject({
      status: 409,
      code: 'cart_line_quantity_limit',
    });
    const cart = await carts.getCart(ref);
    expect(cart.ok && cart.value.items).toEqual([{ sku: 'MRD-TEE-001', quantity: 1000 }]);
  });

  it('a cart holds at most 50 lines: the 51st is a 409', async () => {
    const ref = at(newCustomer(), 'apac', 'apac');
    for (let i = 0; i < 50; i++) await add(ref, `SKU-${i}`, 1);
    const over = await carts.addItem(ref, { sku: 'SKU-50', quantity: 1 }, meta());
    expect(!over.ok && over.problem).toMatchObject({ status: 409, code: 'cart_lines_limit' });
    // More of a line it holds is still fine.
    expect((await carts.addItem(ref, { sku: 'SKU-7', quantity: 2 }, meta())).ok).toBe(true);
  });

  it('quantities ≤ 0 and malformed references are 400s', async () => {
    const ref = at(newCustomer(), 'us', 'us');
    for (const quantity of [0, -1, 1.5, 1001]) {
      const result = await carts.addItem(ref, { sku: 'MRD-TEE-001', quantity }, meta());
      expect(!result.ok && result.problem.status).toBe(400);
    }
    const bad = await carts.getCart({ customerId: 'nobody', home: 'us', serving: 'us' });
    expect(!bad.ok && bad.problem.status).toBe(400);
  });
});

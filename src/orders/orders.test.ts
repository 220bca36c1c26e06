/**
 * The order saga end to end through the gateway, as a client sees it: the
 * saga DO orchestrates inventory and payments over their command queues, and
 * every outcome is checked against the stock and the balance it must leave.
 */

import { newId } from '@common/ids';
import { afterEach, describe, expect, it } from 'vitest';
import { call, okJson, register, type TokenPair } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, putFaultsEverywhere } from '../../test/support/faults';
import { stockedSku as stocked } from '../../test/support/fixtures';

interface Order {
  orderId: string;
  status: string;
  total: { amount: number; currency: string };
  history: Array<{ status: string; reason?: string }>;
}

const PRICE = 1999;

const stockedSku = (quantity: number) => stocked('ORD', quantity);

async function customerWith(balance: number): Promise<TokenPair> {
  const customer = await register({ region: 'us' });
  if (balance > 0) {
    const res = await call('POST', '/v1/accounts/me/deposits', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newId('op') },
      body: { amount: balance },
    });
    expect(res.status).toBe(201);
  }
  return customer;
}

async function place(customer: TokenPair, sku: string, quantity: number): Promise<Response> {
  return call('POST', '/v1/orders', {
    token: customer.accessToken,
    headers: { 'idempotency-key': newId('op') },
    body: { items: [{ sku, quantity }] },
  });
}

async function settled(customer: TokenPair, orderId: string): Promise<Order> {
  const res = await call('GET', `/v1/orders/${orderId}?waitMs=10000`, {
    token: customer.accessToken,
  });
  return okJson<Order>(res);
}

async function stock(sku: string) {
  return okJson<{ available: number; reserved: number; sold: number }>(
    await call('GET', `/v1/inventory/${sku}?region=us`),
  );
}

async function balance(customer: TokenPair): Promise<number> {
  const account = await okJson<{ balance: { amount: number } }>(
    await call('GET', '/v1/accounts/me', { token: customer.accessToken }),
  );
  return account.balance.amount;
}

afterEach(async () => {
  await clearFaults();
});

/**
 * Holds the payment step: the saga's direct call to payments fails, and so
 * does every delivery of its fallback over the payment commands queue.
 */
const holdPayments = () =>
  putFaultsEverywhere([
    { target: 'payments', kind: 'error', rate: 1 },
    { target: 'queue:meridian-payment-commands', kind: 'error', rate: 1 },
  ]);

describe('orders through the saga', () => {
  it('happy path: reserved, paid, confirmed; stock sold and the balance charged once', async () => {
    const sku = await stockedSku(5);
    const customer = await customerWith(10_000);
    const placed = await place(customer, sku, 2);
    expect(placed.status).toBe(202);
    const accepted = await okJson<{ orderId: string; status: string }>(placed);
    expect(placed.headers.get('location')).toBe(`/v1/orders/${accepted.orderId}`);
    expect(accepted.status).toBe('PENDING');

    const order = await settled(customer, accepted.orderId);
    expect(order.status).toBe('CONFIRMED');
    expect(order.total).toEqual({ amount: 2 * PRICE, currency: 'USD' });
    expect(order.history.map((h) => h.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'PAYMENT_CAPTURED',
      'CONFIRMED',
    ]);
    expect(await stock(sku)).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(await balance(customer)).toBe(10_000 - 2 * PRICE);

    // The read model and the notification inbox follow, eventually.
    const list = await eventually(
      async () =>
        okJson<{ items: Order[] }>(
          await call('GET', '/v1/orders', { token: customer.accessToken }),
        ),
      (l) => l.items[0]?.status === 'CONFIRMED',
    );
    expect(list.items.map((o) => [o.orderId, o.status])).toEqual([[accepted.orderId, 'CONFIRMED']]);
    const inbox = await eventually(
      async () =>
        okJson<{ items: Array<{ type: string; orderId?: string }> }>(
          await call('GET', '/v1/notifications', { token: customer.accessToken }),
        ),
      (n) => n.items.some((i) => i.type === 'order.confirmed'),
    );
    expect(inbox.items).toContainEqual(
      expect.objectContaining({ type: 'order.confirmed', orderId: accepted.orderId }),
    );
  });

  it('out of stock: rejected, nothing held, nothing charged', async () => {
    const sku = await stockedSku(1);
    const customer = await customerWith(10_000);
    const { orderId } = await okJson<{ orderId: string }>(await place(customer, sku, 2));
    const order = await settled(customer, orderId);
    expect(order.status).toBe('REJECTED');
    expect(order.history.at(-1)?.reason).toBe('out_of_stock');
    expect(await stock(sku)).toMatchObject({ available: 1, reserved: 0, sold: 0 });
    expect(await balance(customer)).toBe(10_000);
  });

  it('insufficient funds: compensated (stock released) and cancelled, balance untouched', async () => {
    const sku = await stockedSku(3);
    const customer = await customerWith(100);
    const { orderId } = await okJson<{ orderId: string }>(await place(customer, sku, 1));
    const order = await settled(customer, orderId);
    expect(order.status).toBe('CANCELLED');
    expect(order.history.map((h) => h.status)).toEqual([
      'PENDING',
      'STOCK_RESERVED',
      'COMPENSATING',
      'CANCELLED',
    ]);
    expect(order.history.find((h) => h.status === 'COMPENSATING')?.reason).toBe(
      'payment_declined:insufficient_funds',
    );
    expect(await stock(sku)).toMatchObject({ available: 3, reserved: 0, sold: 0 });
    expect(await balance(customer)).toBe(100);
  });

  it('a customer cancel before confirmation compensates: stock and money come back', async () => {
    const sku = await stockedSku(4);
    const customer = await customerWith(10_000);
    // Hold the payment step so the cancel lands before confirmation.
    await holdPayments();
    const { orderId } = await okJson<{ orderId: string }>(await place(customer, sku, 2));
    const cancel = await call('POST', `/v1/orders/${orderId}/cancel`, {
      token: customer.accessToken,
    });
    expect(cancel.status).toBe(200);
    expect((await okJson<Order>(cancel)).status).toMatch(/^(COMPENSATING|CANCELLED)$/);
    await clearFaults();
    const order = await settled(customer, orderId);
    expect(order.status).toBe('CANCELLED');
    expect(order.history.find((h) => h.status === 'COMPENSATING')?.reason).toBe(
      'cancelled_by_customer',
    );
    const level = await eventually(
      () => stock(sku),
      (s) => s.available === 4,
    );
    expect(level).toMatchObject({ available: 4, reserved: 0, sold: 0 });
    // A capture that was still queued is refused (voided) or refunded: never kept.
    expect(
      await eventually(
        () => balance(customer),
        (b) => b === 10_000,
      ),
    ).toBe(10_000);
  });

  it('cancel after confirmation is 409 and changes nothing', async () => {
    const sku = await stockedSku(2);
    const customer = await customerWith(10_000);
    const { orderId } = await okJson<{ orderId: string }>(await place(customer, sku, 1));
    expect((await settled(customer, orderId)).status).toBe('CONFIRMED');
    const cancel = await call('POST', `/v1/orders/${orderId}/cancel`, {
      token: customer.accessToken,
    });
    expect(cancel.status).toBe(409);
    expect(cancel.headers.get('content-type')).toBe('application/problem+json');
    expect(await stock(sku)).toMatchObject({ available: 1, sold: 1 });
    expect(await balance(customer)).toBe(10_000 - PRICE);
  });

  it('a step past its deadline compensates; the late capture is refused or refunded', async () => {
    const sku = await stockedSku(2);
    const customer = await customerWith(10_000);
    await holdPayments();
    const { orderId } = await okJson<{ orderId: string }>(await place(customer, sku, 1));
    // The capture cannot be delivered; the payment step's deadline (5 s in tests) passes.
    const compensating = await eventually(
      async () =>
        okJson<Order>(await call('GET', `/v1/orders/${orderId}`, { token: customer.accessToken })),
      (o) => o.status === 'COMPENSATING',
      15_000,
    );
    expect(compensating.history.find((h) => h.status === 'COMPENSATING')?.reason).toBe(
      'deadline:capture_payment',
    );
    await clearFaults();
    const order = await settled(customer, orderId);
    expect(order.status).toBe('CANCELLED');
    expect(
      await eventually(
        () => stock(sku),
        (s) => s.available === 2,
      ),
    ).toMatchObject({
      available: 2,
      reserved: 0,
      sold: 0,
    });
    expect(
      await eventually(
        () => balance(customer),
        (b) => b === 10_000,
      ),
    ).toBe(10_000);
  });

  it("another customer's order is a 404", async () => {
    const sku = await stockedSku(1);
    const owner = await customerWith(10_000);
    const other = await register({ region: 'us' });
    const { orderId } = await okJson<{ orderId: string }>(await place(owner, sku, 1));
    const res = await call('GET', `/v1/orders/${orderId}`, { token: other.accessToken });
    expect(res.status).toBe(404);
    const cancel = await call('POST', `/v1/orders/${orderId}/cancel`, { token: other.accessToken });
    expect(cancel.status).toBe(404);
  });

  it('unknown skus and malformed orders are 400 problems', async () => {
    const customer = await customerWith(0);
    const unknown = await place(customer, 'NO-SUCH-SKU-1', 1);
    expect(unknown.status).toBe(400);
    const zero = await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newId('op') },
      body: { items: [{ sku: 'X', quantity: 0 }] },
    });
    expect(zero.status).toBe(400);
    const duplicate = await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newId('op') },
      body: {
        items: [
          { sku: 'X', quantity: 1 },
          { sku: 'X', quantity: 2 },
        ],
      },
    });
    expect(duplicate.status).toBe(400);
  });
});

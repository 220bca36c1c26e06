/**
 * Property: a random mix of orders, customer cancels and injected step
 * failures across several customers ends with every saga terminal, stock
 * conserved (nothing held, sold = what confirmed orders bought) and money
 * conserved (each balance = deposit − what its confirmed orders cost).
 */

import { newId } from '@common/ids';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { call, operatorKey, register, type TokenPair } from '../../test/support/clients';
import { eventually } from '../../test/support/eventually';
import { clearFaults, putFaultsEverywhere } from '../../test/support/faults';
import { insertProduct } from '../../test/support/fixtures';

const PRICE = 1999;
const TERMINAL = ['CONFIRMED', 'REJECTED', 'CANCELLED'];

const plan = fc.record({
  stock: fc.integer({ min: 1, max: 6 }),
  balances: fc.array(fc.constantFrom(0, 2500, 10_000), { minLength: 3, maxLength: 3 }),
  orders: fc.array(
    fc.record({
      customer: fc.integer({ min: 0, max: 2 }),
      quantity: fc.integer({ min: 1, max: 3 }),
      cancelAfterMs: fc.option(fc.integer({ min: 0, max: 2500 }), { nil: undefined }),
    }),
    { minLength: 3, maxLength: 6 },
  ),
  paymentFailureRate: fc.constantFrom(0, 0.5),
});

async function customer(balance: number): Promise<TokenPair> {
  const c = await register({ region: 'us' });
  if (balance > 0) {
    await call('POST', '/v1/accounts/me/deposits', {
      token: c.accessToken,
      headers: { 'idempotency-key': newId('op') },
      body: { amount: balance },
    });
  }
  return c;
}

const balanceOf = async (c: TokenPair) =>
  (
    (await (await call('GET', '/v1/accounts/me', { token: c.accessToken })).json()) as {
      balance: { amount: number };
    }
  ).balance.amount;
const stockOf = async (sku: string) =>
  (await (await call('GET', `/v1/inventory/${sku}?region=us`)).json()) as {
    available: number;
    reserved: number;
    sold: number;
  };

afterEach(async () => {
  await clearFaults();
});

describe('order sagas under a random mix of orders, cancels and failures', () => {
  it('every saga ends terminal; stock and money are conserved', async () => {
    await fc.assert(
      fc.asyncProperty(plan, async (p) => {
        const sku = `PROP-${newId('op').slice(-10)}`;
        await insertProduct({ sku });
        await call('POST', `/v1/inventory/${sku}/restock`, {
          apiKey: operatorKey(),
          body: { quantity: p.stock, region: 'us' },
        });
        const customers = await Promise.all(p.balances.map(customer));
        if (p.paymentFailureRate > 0) {
          // Direct calls to payments fail at the rate, and so do their fallbacks
          // over the queue: each capture takes one path or the other.
          await putFaultsEverywhere([
            { target: 'payments', kind: 'error', rate: p.paymentFailureRate },
            {
              target: 'queue:meridian-payment-commands',
              kind: 'error',
              rate: p.paymentFailureRate,
            },
          ]);
        }
        const placed = await Promise.all(
          p.orders.map(async (o) => {
            const who = customers[o.customer] as TokenPair;
            const res = await call('POST', '/v1/orders', {
              token: who.accessToken,
              headers: { 'idempotency-key': newId('op') },
              body: { items: [{ sku, quantity: o.quantity }] },
            });
            const { orderId } = (await res.json()) as { orderId: string };
            if (o.cancelAfterMs !== undefined) {
              await new Promise((r) => setTimeout(r, o.cancelAfterMs));
              const cancel = await call('POST', `/v1/orders/${orderId}/cancel`, {
                token: who.accessToken,
              });
              expect([200, 409]).toContain(cancel.status);
            }
            return { ...o, orderId, who };
          }),
        );
        await clearFaults();
        const final = await Promise.all(
          placed.map(async (o) => {
            const order = await eventually(
              async () =>
                (await (
                  await call('GET', `/v1/orders/${o.orderId}?waitMs=5000`, {
                    token: o.who.accessToken,
                  })
                ).json()) as {
                  status: string;
                },
              (v) => TERMINAL.includes(v.status),
            );
            return { ...o, status: order.status };
          }),
        );
        for (const o of final) expect(TERMINAL).toContain(o.status);
        const confirmed = final.filter((o) => o.status === 'CONFIRMED');
        const sold = confirmed.reduce((n, o) => n + o.quantity, 0);
        const level = await eventually(
          () => stockOf(sku),
          (s) => s.reserved === 0 && s.sold === sold,
        );
        expect(level).toEqual(
          expect.objectContaining({ reserved: 0, sold, available: p.stock - sold }),
        );
        for (const [i, c] of customers.entries()) {
          const spent = confirmed
            .filter((o) => o.customer === i)
            .reduce((n, o) => n + o.quantity * PRICE, 0);
          const expected = (p.balances[i] ?? 0) - spent;
          expect(
            await eventually(
              () => balanceOf(c),
              (b) => b === expected,
            ),
          ).toBe(expected);
        }
      }),
      { numRuns: 4, endOnFailure: true },
    );
  }, 300_000);
});

/**
 * The saga's fast path against the real inventory and payments workers and
 * the real queues. An order that meets no fault confirms by direct calls
 * alone; one whose shard or ledger applies a command and then fails the call
 * (its reply is lost) falls back to the queue for that command and still
 * ends terminal, with stock and money conserved and no double effect.
 */
import { INVENTORY_COMMANDS } from '@common/contracts/inventory';
import { PAYMENT_COMMANDS } from '@common/contracts/payments';
import { FLAG_STORE_INSTANCE, flagOn } from '@common/flags';
import type { Region } from '@common/regions';
import { describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import {
  fundedCustomer,
  ledgerOf,
  loseRepliesAfterApply,
  orderOf,
  PRICE,
  placeAndSettle,
  sagaOf,
  stockedSku,
  stockOf,
  testEnv,
} from '../test/helpers';

const region: Region = 'us';

async function repliesOf(o: Parameters<typeof sagaOf>[0]) {
  const saga = await sagaOf(o).inspect();
  const entries = saga?.log ?? [];
  return {
    replies: entries.filter((l) => l.kind === 'reply').map((l) => [l.type, l.via]),
    fallbacks: entries.filter((l) => l.kind === 'fallback').map((l) => l.type),
  };
}

describe('the fast path', () => {
  it('an order that meets no fault confirms with every reply returned by a direct call', async () => {
    const sku = await stockedSku(region, 5);
    const customerId = await fundedCustomer(region, 10_000);
    const o = orderOf(customerId, region, sku, 2);
    const order = await placeAndSettle(o);
    expect(order.status).toBe('CONFIRMED');
    const { replies, fallbacks } = await repliesOf(o);
    expect(fallbacks).toEqual([]);
    expect(replies.map(([, via]) => via)).toEqual(['fast_path', 'fast_path', 'fast_path']);
    expect(await stockOf(sku, region)).toMatchObject({ available: 3, reserved: 0, sold: 2 });
    expect(await ledgerOf(customerId, region)).toEqual({
      balance: 10_000 - 2 * PRICE,
      captures: 1,
      refunds: 0,
    });
  });

  it.each([
    ['the shard, on reserve', [INVENTORY_COMMANDS.reserveItems]],
    ['the ledger, on capture', [PAYMENT_COMMANDS.capturePayment]],
    ['the shard, on confirm', [INVENTORY_COMMANDS.confirmReservation]],
    [
      'every owner, on every command',
      [
        INVENTORY_COMMANDS.reserveItems,
        PAYMENT_COMMANDS.capturePayment,
        INVENTORY_COMMANDS.confirmReservation,
      ],
    ],
  ])(
    'when %s applies and then throws, the order still confirms: stock and money conserved, nothing applied twice',
    async (_who, lost) => {
      const sku = await stockedSku(region, 4);
      const customerId = await fundedCustomer(region, 10_000);
      const o = orderOf(customerId, region, sku, 3);
      await loseRepliesAfterApply(o, lost);
      const order = await placeAndSettle(o);
      expect(order.status).toBe('CONFIRMED');
      // Each lost command went over its queue, where the owner answered it again
      // (idempotent) and the saga applied that answer.
      const { replies, fallbacks } = await repliesOf(o);
      expect(fallbacks.sort()).toEqual([...lost].sort());
      expect(replies.filter(([, via]) => via === 'queue')).toHaveLength(lost.length);
      expect(replies).toHaveLength(3);
      const stock = await eventually(
        () => stockOf(sku, region),
        (s) => s.reserved === 0,
      );
      expect(stock).toMatchObject({ available: 1, reserved: 0, sold: 3 });
      expect(await ledgerOf(customerId, region)).toEqual({
        balance: 10_000 - 3 * PRICE,
        captures: 1,
        refunds: 0,
      });
    },
  );

  it('a declined payment whose every reply is lost after apply still cancels: the hold is released once, nothing charged', async () => {
    const sku = await stockedSku(region, 2);
    const customerId = await fundedCustomer(region, PRICE - 1);
    const o = orderOf(customerId, region, sku, 1);
    await loseRepliesAfterApply(o, [
      INVENTORY_COMMANDS.reserveItems,
      PAYMENT_COMMANDS.capturePayment,
      INVENTORY_COMMANDS.releaseReservation,
    ]);
    const order = await placeAndSettle(o);
    expect(order.status).toBe('CANCELLED');
    expect(order.history.find((h) => h.status === 'COMPENSATING')?.reason).toBe(
      'payment_declined:insufficient_funds',
    );
    const stock = await eventually(
      () => stockOf(sku, region),
      (s) => s.available === 2,
    );
    expect(stock).toMatchObject({ available: 2, reserved: 0, sold: 0 });
    expect(await ledgerOf(customerId, region)).toEqual({
      balance: PRICE - 1,
      captures: 0,
      refunds: 0,
    });
  });

  it('with the flag orders.fast_path off for a region, its sagas send every command over the queue; other regions keep the fast path', async () => {
    const flags = testEnv.FLAG_STORE.getByName(FLAG_STORE_INSTANCE);
    await flags.set('orders.fast_path', { enabled: true, regions: ['us'] }, 'test');
    try {
      // This isolate's copy of the flags (the saga's) follows within FLAGS_CACHE_MS.
      await eventually(
        () => flagOn(testEnv, 'orders.fast_path', { region: 'eu' }),
        (on) => !on,
      );
      const placed = async (r: Region) => {
        const sku = await stockedSku(r, 1);
        const o = orderOf(await fundedCustomer(r, 10_000), r, sku, 1);
        expect((await placeAndSettle(o)).status).toBe('CONFIRMED');
        return repliesOf(o);
      };
      const eu = await placed('eu');
      const us = await placed('us');
      // Never attempted directly: no fallback, every reply by the queue.
      expect(eu).toEqual({ replies: expect.any(Array), fallbacks: [] });
      expect(eu.replies.map(([, via]) => via)).toEqual(['queue', 'queue', 'queue']);
      expect(us.replies.map(([, via]) => via)).toEqual(['fast_path', 'fast_path', 'fast_path']);
    } finally {
      await flags.reset('orders.fast_path');
    }
  });
});

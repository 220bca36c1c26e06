/**
 * Order ids name their region, so a lookup asks that one region; and reading
 * a saga that was never placed creates nothing: many lookups of random valid
 * ids leave no stored saga behind, in any region.
 */
import { runInDurableObject } from 'cloudflare:test';
import { newId } from '@common/ids';
import { REGIONS, type Region, regionalId, regionalStub } from '@common/regions';
import { describe, expect, it } from 'vitest';
import { meta, orders, recordedOrders, testEnv } from '../test/helpers';
import { sagaReplyOf } from './replies';
import type { OrderSaga } from './saga';

/** The tables a saga object holds (none for an object that was never written). */
async function tablesOf(region: Region, orderId: string): Promise<string[]> {
  const stub = regionalStub(testEnv.ORDER_SAGA, region, orderId) as DurableObjectStub<OrderSaga>;
  return runInDurableObject(stub, (_saga: OrderSaga, state) =>
    state.storage.sql
      .exec<{ name: string }>(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'",
      )
      .toArray()
      .map((r) => r.name),
  );
}

describe('looking up orders that do not exist', () => {
  it('many lookups of random valid order ids leave no saga storage behind, in any region', async () => {
    const ids = [
      ...REGIONS.flatMap((r) => Array.from({ length: 8 }, () => regionalId('ord', r))),
      // Ids made before ids named their region: an admin lookup asks every region.
      ...Array.from({ length: 4 }, () => newId('ord')),
    ];
    for (const id of ids) {
      expect((await orders.getOrder(id, null, null, 0)).ok).toBe(false);
      expect((await orders.inspectSaga(id)).ok).toBe(false);
      expect((await orders.getOrder(id, 'eu', newId('cus'), 0)).ok).toBe(false);
      expect((await orders.cancelOrder(id, 'us', newId('cus'))).ok).toBe(false);
    }
    // A reply for an order that was never placed (a stray or forged message) creates nothing either.
    const stray = regionalId('ord', 'apac');
    const reply = sagaReplyOf({
      id: newId('msg'),
      type: 'inventory.command_result',
      version: 1,
      occurredAt: new Date().toISOString(),
      causationId: null,
      correlationId: stray,
      traceparent: meta().traceparent,
      region: 'apac',
      payload: { commandType: 'inventory.reserve_items', ok: true },
    });
    const saga = regionalStub(testEnv.ORDER_SAGA, 'apac', stray) as DurableObjectStub<OrderSaga>;
    expect(await saga.handleReply(reply, 'meridian-saga-replies-apac')).toBe('ignored');

    for (const id of [...ids, stray]) {
      for (const region of REGIONS)
        expect(await tablesOf(region, id), `${id} in ${region}`).toEqual([]);
    }
  });

  it('a placed saga has its storage, in its own region only', async () => {
    const o = {
      orderId: regionalId('ord', 'eu'),
      customerId: newId('cus'),
      region: 'eu' as const,
      items: [{ sku: 'SKU-LOOKUP', quantity: 1, unitPrice: { amount: 100, currency: 'USD' } }],
    };
    expect((await orders.placeOrder(o, meta())).ok).toBe(true);
    expect(await tablesOf('eu', o.orderId)).toEqual(expect.arrayContaining(['saga', 'outbox']));
    expect(await tablesOf('us', o.orderId)).toEqual([]);
    expect(await tablesOf('apac', o.orderId)).toEqual([]);
  });
});

describe('an order id names its region', () => {
  it.each(REGIONS)(
    "an admin's order and saga lookups of a %s order ask that region only",
    async (region) => {
      const { service, placements } = recordedOrders();
      const id = regionalId('ord', region);
      await service.getOrder(id, null, null, 0);
      await service.inspectSaga(id);
      expect(placements.map((p) => p.name)).toEqual([`${region}:${id}`, `${region}:${id}`]);
    },
  );

  it('an id made before ids named their region is looked up in every region (and still creates nothing)', async () => {
    const { service, placements } = recordedOrders();
    const id = newId('ord');
    expect((await service.inspectSaga(id)).ok).toBe(false);
    expect(placements.map((p) => p.name).sort()).toEqual(REGIONS.map((r) => `${r}:${id}`).sort());
  });

  it("a customer's lookup of an order of another region is a 404 that asks no region", async () => {
    const { service, placements } = recordedOrders();
    const euOrder = regionalId('ord', 'eu');
    const read = await service.getOrder(euOrder, 'us', newId('cus'), 0);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problem.status).toBe(404);
    expect((await service.cancelOrder(euOrder, 'us', newId('cus'))).ok).toBe(false);
    expect(placements).toEqual([]);
  });

  it('placing an order whose id names another region (or none) is refused', async () => {
    const { service, placements } = recordedOrders();
    const input = {
      customerId: newId('cus'),
      region: 'us' as const,
      items: [{ sku: 'SKU-LOOKUP', quantity: 1, unitPrice: { amount: 100, currency: 'USD' } }],
    };
    for (const orderId of [regionalId('ord', 'eu'), newId('ord')]) {
      const placed = await service.placeOrder({ ...input, orderId }, meta());
      expect(placed.ok).toBe(false);
      if (!placed.ok) expect(placed.problem.code).toBe('order_id_region_mismatch');
    }
    expect(placements).toEqual([]);
  });
});

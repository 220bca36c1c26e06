/**
 * An order's saga (its source of truth) is created in the customer's home
 * region: inside the `eu` jurisdiction for an `eu` customer, near each
 * region's primary location hint otherwise. Recorded on the real namespace.
 */
import type { PlaceOrderInput } from '@common/contracts/orders';
import { newId } from '@common/ids';
import { REGION_CONFIG, REGIONS, type Region, regionalId } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { describe, expect, it } from 'vitest';
import { recordedOrders } from '../test/helpers';

const meta: CallMeta = {
  requestId: 'req_placement_test',
  traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
};

const order = (region: Region): PlaceOrderInput => ({
  orderId: regionalId('ord', region),
  customerId: newId('cus'),
  region,
  items: [{ sku: 'SKU-PLACE', quantity: 1, unitPrice: { amount: 100, currency: 'USD' } }],
});

describe('saga placement', () => {
  it.each(REGIONS)(
    'a %s customer’s saga is placed in that region, for every operation',
    async (region) => {
      const { service, placements } = recordedOrders();
      const o = order(region);
      expect((await service.placeOrder(o, meta)).ok).toBe(true);
      expect((await service.getOrder(o.orderId, region, o.customerId)).ok).toBe(true);
      await service.cancelOrder(o.orderId, region, o.customerId);
      expect(placements).toHaveLength(3);
      for (const p of placements) {
        expect(p).toEqual({
          jurisdiction: REGION_CONFIG[region].jurisdiction ?? null,
          name: `${region}:${o.orderId}`,
          locationHint: REGION_CONFIG[region].locationHints[0],
        });
      }
    },
  );

  it('an eu saga is in the eu jurisdiction', async () => {
    const { service, placements } = recordedOrders();
    await service.placeOrder(order('eu'), meta);
    expect(placements.map((p) => [p.jurisdiction, p.locationHint])).toEqual([['eu', 'weur']]);
  });
});

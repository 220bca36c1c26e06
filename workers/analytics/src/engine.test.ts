/**
 * The Analytics Engine path: where a dataset is bound, each counted event is
 * one data point (no customer or order id in it), written once, never for a
 * duplicate delivery; where none is bound (or the write throws) the event is
 * still counted in the windows.
 */
import { describe, expect, it } from 'vitest';
import { deliver, orderEvent, windowOf } from '../test/support';

/** A stand-in for the AnalyticsEngineDataset binding that records what was written. */
function fakeDataset(fail = false) {
  const points: AnalyticsEngineDataPoint[] = [];
  const dataset: AnalyticsEngineDataset = {
    writeDataPoint(point?: AnalyticsEngineDataPoint) {
      if (fail) throw new Error('analytics engine unavailable');
      if (point) points.push(point);
    },
  };
  return { dataset, points };
}

describe('Workers Analytics Engine', () => {
  it('writes one data point per counted event, none for its redelivery, and no customer data', async () => {
    const { dataset, points } = fakeDataset();
    const event = orderEvent('eu', {
      status: 'CONFIRMED',
      items: [{ sku: 'AE-1', quantity: 2, price: 700 }],
      latency_ms: 321,
    });
    await deliver([event, event], { bindings: { ORDER_ANALYTICS: dataset } });
    expect(points).toEqual([
      {
        indexes: ['eu'],
        blobs: ['eu', 'order.CONFIRMED', 'USD', 'placed'],
        doubles: [1, 1400, 321, 2],
      },
    ]);
    const written = JSON.stringify(points);
    expect(written).not.toContain(event.payload.customerId);
    expect(written).not.toContain(event.payload.orderId);
  });

  it('without a binding, or when the write fails, the windows still count the event', async () => {
    const at = Date.now();
    const before = (await windowOf('us', '1m', at)).orders;
    await deliver([orderEvent('us', { at })], { bindings: { ORDER_ANALYTICS: undefined } });
    const { dataset } = fakeDataset(true);
    const result = await deliver([orderEvent('us', { at })], {
      bindings: { ORDER_ANALYTICS: dataset },
    });
    expect(result.explicitAcks).toHaveLength(1);
    expect((await windowOf('us', '1m', at)).orders - before).toBe(2);
  });
});

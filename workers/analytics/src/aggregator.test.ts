/**
 * The aggregator's guarantees, driven through the queue consumer with
 * crafted events (time is controlled by their `occurredAt`): counted exactly
 * once, placed by event time within the allowed lateness and counted late
 * beyond it, kept in the event's own region, and pruned past the retention.
 * Storage is shared by this project's tests, so each compares before/after.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { ANALYTICS_QUEUE, MINUTE_MS, minuteOf } from '@common/contracts/analytics';
import { REGIONS, regionalQueue, regionalStub } from '@common/regions';
import { describe, expect, it } from 'vitest';
import {
  deliver,
  ledgerEvent,
  metricOf,
  orderEvent,
  stockoutEvent,
  windowOf,
} from '../test/support';
import { aggregatorSettings } from './config';
import { Bucket } from './windows';

const LATENESS_MS = aggregatorSettings(env).lateness_ms;

describe('analytics aggregator', () => {
  it('a redelivered event is counted once (inbox), in one batch or across batches', async () => {
    const at = Date.now();
    const before = await windowOf('us', '1m', at);
    const event = orderEvent('us', { at });
    const first = await deliver([event, event]);
    const again = await deliver([event], { attempts: 2 });
    expect(first.explicitAcks).toHaveLength(2);
    expect(again.explicitAcks).toHaveLength(1);
    const after = await windowOf('us', '1m', at);
    expect(after.orders - before.orders).toBe(1);
  });

  it('counts a confirmed order with its revenue, SKUs and saga latency; rejected and cancelled ones as failures', async () => {
    const at = Date.now();
    const sku = `AN-${crypto.randomUUID().slice(0, 8)}`;
    const before = await windowOf('eu', '1m', at);
    await deliver([
      orderEvent('eu', {
        at,
        status: 'CONFIRMED',
        items: [{ sku, quantity: 3, price: 2500 }],
        latency_ms: 40,
      }),
      orderEvent('eu', {
        at,
        status: 'CONFIRMED',
        items: [{ sku, quantity: 2, price: 2500 }],
        latency_ms: 60,
      }),
      orderEvent('eu', { at, status: 'REJECTED', items: [{ sku, quantity: 9 }], latency_ms: 20 }),
      orderEvent('eu', {
        at,
        status: 'CANCELLED',
        items: [{ sku, quantity: 9 }],
        latency_ms: 5000,
      }),
    ]);
    const after = await windowOf('eu', '1m', at, 50);
    expect(after.confirmed - before.confirmed).toBe(2);
    expect(after.rejected - before.rejected).toBe(1);
    expect(after.cancelled - before.cancelled).toBe(1);
    expect(after.revenue.amount - before.revenue.amount).toBe(5 * 2500);
    expect(after.revenue.currency).toBe('USD');
    // Units sold: only the confirmed lines.
    expect(after.topSkus.find((s) => s.sku === sku)).toEqual({ sku, quantity: 5 });
    expect(after.sagaLatencyMs.count - before.sagaLatencyMs.count).toBe(4);
    expect(after.failureRate).not.toBeNull();
    expect(after.minutes).toHaveLength(1);
  });

  it('an event late within the allowed lateness lands in its own window', async () => {
    const at = Date.now() - Math.min(90_000, LATENESS_MS - 10_000);
    const before = await windowOf('apac', '1m', at);
    const late = (await windowOf('apac', '5m')).late;
    await deliver([orderEvent('apac', { at })]);
    const after = await windowOf('apac', '1m', at);
    expect(after.orders - before.orders).toBe(1);
    expect((await windowOf('apac', '5m')).late).toBe(late);
  });

  it('an event beyond the allowed lateness is counted late where it arrived, not placed', async () => {
    const at = minuteOf(Date.now()) - LATENESS_MS - 2 * MINUTE_MS;
    const before = await windowOf('apac', '1m', at);
    const lateBefore = (await windowOf('apac', '5m')).late;
    await deliver([orderEvent('apac', { at })]);
    expect((await windowOf('apac', '1m', at)).orders).toBe(before.orders);
    expect((await windowOf('apac', '5m')).late - lateBefore).toBe(1);
  });

  it('an event stamped further in the future than the lateness is not placed either', async () => {
    const at = Date.now() + LATENESS_MS + 5 * MINUTE_MS;
    const lateBefore = (await windowOf('us', '5m')).late;
    await deliver([orderEvent('us', { at })]);
    expect((await windowOf('us', '1m', at)).orders).toBe(0);
    expect((await windowOf('us', '5m')).late - lateBefore).toBe(1);
  });

  it('the five-minute window is the sum of its five one-minute windows', async () => {
    const now = Date.now();
    await deliver([
      orderEvent('eu', { at: now - MINUTE_MS, status: 'CONFIRMED', latency_ms: 30 }),
      orderEvent('eu', { at: now, status: 'CONFIRMED', latency_ms: 90 }),
    ]);
    const five = await windowOf('eu', '5m', now);
    const ones = await Promise.all(
      [4, 3, 2, 1, 0].map((i) => windowOf('eu', '1m', now - i * MINUTE_MS)),
    );
    expect(five.minutes.map((m) => m.from)).toEqual(ones.map((w) => w.minutes[0]?.from));
    for (const key of ['orders', 'confirmed', 'cancelled', 'rejected', 'late'] as const)
      expect(five[key]).toBe(ones.reduce((s, w) => s + w[key], 0));
    expect(five.revenue.amount).toBe(ones.reduce((s, w) => s + w.revenue.amount, 0));
    expect(five.sagaLatencyMs.count).toBe(ones.reduce((s, w) => s + w.sagaLatencyMs.count, 0));
  });

  it('an eu event is aggregated by the eu aggregator only', async () => {
    const at = Date.now();
    const before = await Promise.all(REGIONS.map((r) => windowOf(r, '1m', at)));
    await deliver([orderEvent('eu', { at })]);
    const after = await Promise.all(REGIONS.map((r) => windowOf(r, '1m', at)));
    const moved = REGIONS.map((_r, i) => (after[i]?.orders ?? 0) - (before[i]?.orders ?? 0));
    expect(Object.fromEntries(REGIONS.map((r, i) => [r, moved[i]]))).toMatchObject({
      us: 0,
      eu: 1,
      apac: 0,
    });
  });

  it('refuses an event whose payload names another region than its envelope (retried, nothing counted)', async () => {
    const at = Date.now();
    const before = await Promise.all(REGIONS.map((r) => windowOf(r, '1m', at)));
    const result = await deliver([orderEvent('eu', { at, payloadRegion: 'us' })]);
    expect(result.explicitAcks).toHaveLength(0);
    expect(result.retryMessages).toHaveLength(1);
    const after = await Promise.all(REGIONS.map((r) => windowOf(r, '1m', at)));
    expect(after.map((w) => w.orders)).toEqual(before.map((w) => w.orders));
  });

  it('counts payments captured and refunded, and stock-outs per short line; other ledger events are ignored', async () => {
    const at = Date.now();
    const before = await windowOf('eu', '1m', at);
    const result = await deliver([
      ledgerEvent('eu', 'PaymentCaptured', 4200, at),
      ledgerEvent('eu', 'PaymentCaptured', 800, at),
      ledgerEvent('eu', 'PaymentRefunded', 800, at),
      ledgerEvent('eu', 'FundsDeposited', 100_000, at),
      stockoutEvent('eu', ['AN-SHORT-1', 'AN-SHORT-2'], at),
    ]);
    expect(result.explicitAcks).toHaveLength(5);
    const after = await windowOf('eu', '1m', at);
    expect(after.payments.captures - before.payments.captures).toBe(2);
    expect(after.payments.captured.amount - before.payments.captured.amount).toBe(5000);
    expect(after.payments.refunds - before.payments.refunds).toBe(1);
    expect(after.payments.refunded.amount - before.payments.refunded.amount).toBe(800);
    expect(after.stockouts - before.stockouts).toBe(2);
    expect(after.orders).toBe(before.orders);
  });

  it('how the sagas’ replies came (fast path or queue) is counted once per ended saga, in its region', async () => {
    const replies = (via: string) =>
      metricOf('meridian_saga_replies_total', { region: 'apac', via });
    const [fast, queued] = [await replies('fast_path'), await replies('queue')];
    const ended = orderEvent('apac', {
      status: 'CONFIRMED',
      replies: { fastPath: 2, queue: 1 },
    });
    await deliver([ended, ended, orderEvent('apac', { status: 'REJECTED' })]);
    expect((await replies('fast_path')) - fast).toBe(2);
    expect((await replies('queue')) - queued).toBe(1);
  });

  it('a region’s queue carries only its region: an eu event on the us queue is refused, counted nowhere', async () => {
    const at = Date.now();
    const before = await Promise.all(REGIONS.map((r) => windowOf(r, '1m', at)));
    const result = await deliver([orderEvent('eu', { at })], {
      queue: regionalQueue(ANALYTICS_QUEUE, 'us'),
    });
    expect(result.explicitAcks).toHaveLength(0);
    expect(result.retryMessages).toHaveLength(1);
    const after = await Promise.all(REGIONS.map((r) => windowOf(r, '1m', at)));
    expect(after.map((w) => w.orders)).toEqual(before.map((w) => w.orders));
  });

  it('ignores events it does not count, and refuses a queue it does not own', async () => {
    const ignored = await deliver([{ ...orderEvent('us'), type: 'catalog.product_changed' }]);
    expect(ignored.explicitAcks).toHaveLength(1);
    for (const queue of ['meridian-order-events-us', ANALYTICS_QUEUE])
      await expect(deliver([orderEvent('us')], { queue })).rejects.toThrow(/does not consume/);
  });

  it('prunes buckets past the retention, and keeps the alarm only while there is data', async () => {
    const stub = regionalStub(env.ANALYTICS_WINDOWS, 'apac', 'windows');
    const settings = aggregatorSettings(env);
    const old = minuteOf(Date.now()) - (settings.retention_minutes + 5) * MINUTE_MS;
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        'INSERT OR REPLACE INTO buckets (minute, state, updated_at) VALUES (?, ?, ?)',
        old,
        JSON.stringify(new Bucket(old, settings).toJSON()),
        old,
      );
    });
    await deliver([orderEvent('apac')]);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(
      stub,
      (_instance, state) =>
        state.storage.sql
          .exec<{ n: number }>('SELECT COUNT(*) AS n FROM buckets WHERE minute = ?', old)
          .one().n,
    );
    expect(left).toBe(0);
    expect(await runInDurableObject(stub, (_i, state) => state.storage.getAlarm())).not.toBeNull();
  });
});

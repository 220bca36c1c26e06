/** Reservations across shards: two-phase hold, release on failure, expiry as the safety net. */

import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { fingerprintOf } from '../src/reservation';
import type { InventoryShard } from '../src/shard';
import { inventory, level, meta, restock, shardStub, skusOnDistinctShards, sleep } from './helpers';

const region = 'us' as const;

async function levels(skus: string[]) {
  return Promise.all(skus.map((sku) => level(sku)));
}

async function runAlarms(skus: string[]) {
  for (const sku of skus) await runDurableObjectAlarm(await shardStub(region, sku));
}

describe('two-phase hold across shards', () => {
  it('holds on every shard, then confirms on every shard', async () => {
    const skus = await skusOnDistinctShards(3);
    for (const sku of skus) await restock(sku, 5);
    const reservationId = newId('res');
    const items = skus.map((sku, i) => ({ sku, quantity: i + 1 }));
    const held = await inventory.reserveItems(
      { reservationId, region, items, ttl_ms: 60_000 },
      meta(),
    );
    expect(held.ok && held.value.shards.length).toBe(3);
    expect((await levels(skus)).map((l) => l.reserved)).toEqual([1, 2, 3]);

    const confirmed = await inventory.confirmReservation({ reservationId, region, skus }, meta());
    expect(confirmed.ok && confirmed.value.status).toBe('confirmed');
    expect(confirmed.ok && confirmed.value.items).toEqual(
      [...items].sort((a, b) => (a.sku < b.sku ? -1 : 1)),
    );
    expect(await levels(skus)).toEqual(
      skus.map((sku, i) => ({ sku, region, available: 4 - i, reserved: 0, sold: i + 1 })),
    );
  });

  it('a failure on one shard releases the holds already taken on the others', async () => {
    const [plenty, other, scarce] = await skusOnDistinctShards(3);
    if (!plenty || !other || !scarce) throw new Error('need three SKUs');
    await restock(plenty, 5);
    await restock(other, 5);
    await restock(scarce, 1);
    const reservationId = newId('res');
    const result = await inventory.reserveItems(
      {
        reservationId,
        region,
        items: [
          { sku: plenty, quantity: 2 },
          { sku: other, quantity: 1 },
          { sku: scarce, quantity: 3 },
        ],
        ttl_ms: 60_000,
      },
      meta(),
    );
    expect(!result.ok && result.problem.code).toBe('out_of_stock');
    expect(!result.ok && result.problem.errors).toEqual([
      { path: `items.${scarce}`, message: 'requested 3, available 1' },
    ]);
    expect((await levels([plenty, other, scarce])).map((l) => [l.available, l.reserved])).toEqual([
      [5, 0],
      [5, 0],
      [1, 0],
    ]);
    // The answer is stable: a repeat holds nothing and fails the same way.
    const again = await inventory.reserveItems(
      {
        reservationId,
        region,
        items: [
          { sku: plenty, quantity: 2 },
          { sku: other, quantity: 1 },
          { sku: scarce, quantity: 3 },
        ],
        ttl_ms: 60_000,
      },
      meta(),
    );
    expect(again.ok).toBe(false);
    expect((await levels([plenty, other])).map((l) => l.reserved)).toEqual([0, 0]);
  });

  it('reusing an id for other items leaves the original reservation held', async () => {
    const [a, b] = await skusOnDistinctShards(2);
    if (!a || !b) throw new Error('need two SKUs');
    await restock(a, 5);
    await restock(b, 5);
    const reservationId = newId('res');
    const original = await inventory.reserveItems(
      { reservationId, region, items: [{ sku: a, quantity: 1 }], ttl_ms: 60_000 },
      meta(),
    );
    expect(original.ok).toBe(true);
    const reused = await inventory.reserveItems(
      {
        reservationId,
        region,
        items: [
          { sku: a, quantity: 1 },
          { sku: b, quantity: 2 },
        ],
        ttl_ms: 60_000,
      },
      meta(),
    );
    expect(!reused.ok && reused.problem.code).toBe('reservation_id_reused');
    expect((await levels([a, b])).map((l) => l.reserved)).toEqual([1, 0]);
  });

  it('a release that overtakes the hold keeps every shard from holding later', async () => {
    const skus = await skusOnDistinctShards(2);
    for (const sku of skus) await restock(sku, 3);
    const reservationId = newId('res');
    const released = await inventory.releaseReservation({ reservationId, region, skus }, meta());
    expect(released.ok).toBe(true);
    const late = await inventory.reserveItems(
      { reservationId, region, items: skus.map((sku) => ({ sku, quantity: 1 })), ttl_ms: 60_000 },
      meta(),
    );
    expect(!late.ok && late.problem.code).toBe('reservation_released');
    expect((await levels(skus)).map((l) => l.available)).toEqual([3, 3]);
  });
});

describe('coordinator death: the expiry is the safety net', () => {
  it('holds taken before the coordinator died return their stock when they expire', async () => {
    const [first, second] = await skusOnDistinctShards(2);
    if (!first || !second) throw new Error('need two SKUs');
    await restock(first, 4);
    await restock(second, 4);
    const items = [
      { sku: first, quantity: 2 },
      { sku: second, quantity: 2 },
    ];
    const reservationId = newId('res');
    // Phase 1 reached only the first shard, then the coordinator died.
    const stub = await shardStub(region, first);
    await stub.reserve(
      {
        reservationId,
        region,
        items: [{ sku: first, quantity: 2 }],
        fingerprint: await fingerprintOf(items),
        ttl_ms: 40,
      },
      meta(),
    );
    expect((await level(first)).reserved).toBe(2);
    await sleep(60);
    await runAlarms([first, second]);
    expect(await levels([first, second])).toEqual([
      { sku: first, region, available: 4, reserved: 0, sold: 0 },
      { sku: second, region, available: 4, reserved: 0, sold: 0 },
    ]);
  });

  it('a reservation never confirmed (death between phases) expires on every shard', async () => {
    const skus = await skusOnDistinctShards(3);
    for (const sku of skus) await restock(sku, 2);
    const reservationId = newId('res');
    const held = await inventory.reserveItems(
      { reservationId, region, items: skus.map((sku) => ({ sku, quantity: 2 })), ttl_ms: 40 },
      meta(),
    );
    expect(held.ok).toBe(true);
    expect((await levels(skus)).map((l) => l.available)).toEqual([0, 0, 0]);
    await sleep(60);
    await runAlarms(skus);
    expect((await levels(skus)).map((l) => [l.available, l.reserved, l.sold])).toEqual([
      [2, 0, 0],
      [2, 0, 0],
      [2, 0, 0],
    ]);
    // A confirmation that comes too late sells nothing anywhere.
    const late = await inventory.confirmReservation({ reservationId, region, skus }, meta());
    expect(!late.ok && late.problem.code).toBe('reservation_expired');
    expect((await levels(skus)).map((l) => l.sold)).toEqual([0, 0, 0]);
  });

  it('a confirmation pins every hold first, so none lapses between the shards', async () => {
    const skus = await skusOnDistinctShards(2);
    for (const sku of skus) await restock(sku, 1);
    const reservationId = newId('res');
    await inventory.reserveItems(
      { reservationId, region, items: skus.map((sku) => ({ sku, quantity: 1 })), ttl_ms: 40 },
      meta(),
    );
    // The first shard is pinned (as a confirmation that stalled after pinning).
    const [pinnedSku, otherSku] = skus;
    if (!pinnedSku || !otherSku) throw new Error('need two SKUs');
    const pinned = await shardStub(region, pinnedSku);
    await pinned.pin({ reservationId, region }, Date.now() + 60_000, meta());
    await sleep(60);
    await runAlarms(skus);
    const view = await runInDurableObject(pinned, (shard: InventoryShard) =>
      shard.getReservation(reservationId),
    );
    expect(view?.status).toBe('held');
    // The unpinned shard expired, so the confirmation fails and releases the pinned hold too.
    const late = await inventory.confirmReservation({ reservationId, region, skus }, meta());
    expect(!late.ok && late.problem.code).toBe('reservation_expired');
    expect((await levels(skus)).map((l) => [l.available, l.reserved, l.sold])).toEqual([
      [1, 0, 0],
      [1, 0, 0],
    ]);
  });
});

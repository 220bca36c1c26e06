/** Reservations at one shard leader: hold, confirm, release, expiry, idempotency, events. */

import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { RESERVATION_EVENTS, STOCK_CHANGED } from '@common/contracts/inventory';
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import type { InventoryShard } from '../src/shard';
import {
  freshSku,
  holdOutbox,
  inventory,
  level,
  meta,
  restock,
  shardStub,
  sleep,
  twoSkusOnOneShard,
} from './helpers';

const region = 'us' as const;

async function reserve(
  sku: string,
  quantity: number,
  ttl_ms = 60_000,
  reservationId = newId('res'),
) {
  const result = await inventory.reserveItems(
    { reservationId, region, items: [{ sku, quantity }], ttl_ms },
    meta(),
  );
  return { reservationId, result };
}

const ref = (reservationId: string, sku: string) => ({ reservationId, region, skus: [sku] });

describe('one shard: reserve, confirm, release', () => {
  it('a hold moves units from available to reserved, a confirm from reserved to sold', async () => {
    const sku = freshSku('basic');
    await restock(sku, 10);
    const { reservationId, result } = await reserve(sku, 3);
    expect(result.ok && result.value.status).toBe('held');
    expect(await level(sku)).toMatchObject({ available: 7, reserved: 3, sold: 0 });
    const confirmed = await inventory.confirmReservation(ref(reservationId, sku), meta());
    expect(confirmed.ok && confirmed.value.status).toBe('confirmed');
    expect(await level(sku)).toMatchObject({ available: 7, reserved: 0, sold: 3 });
  });

  it('a release returns held units to available, and a released confirmation returns its sold units', async () => {
    const sku = freshSku('release');
    await restock(sku, 4);
    const held = await reserve(sku, 4);
    expect((await inventory.releaseReservation(ref(held.reservationId, sku), meta())).ok).toBe(
      true,
    );
    expect(await level(sku)).toMatchObject({ available: 4, reserved: 0, sold: 0 });

    const sold = await reserve(sku, 1);
    await inventory.confirmReservation(ref(sold.reservationId, sku), meta());
    expect(await level(sku)).toMatchObject({ available: 3, reserved: 0, sold: 1 });
    // The saga's compensation of a cancel that raced the confirmation.
    const returned = await inventory.releaseReservation(ref(sold.reservationId, sku), meta());
    expect(returned.ok && returned.value.status).toBe('released');
    expect(await level(sku)).toMatchObject({ available: 4, reserved: 0, sold: 0 });
    // Released twice: no second return.
    await inventory.releaseReservation(ref(sold.reservationId, sku), meta());
    expect(await level(sku)).toMatchObject({ available: 4, reserved: 0, sold: 0 });
  });

  it('all or nothing: one short item holds none of the others on its shard', async () => {
    const [plenty, scarce] = await twoSkusOnOneShard();
    await restock(plenty, 10);
    await restock(scarce, 1);
    const items = [
      { sku: plenty, quantity: 2 },
      { sku: scarce, quantity: 2 },
    ];
    const result = await inventory.reserveItems(
      { reservationId: newId('res'), region, items, ttl_ms: 60_000 },
      meta(),
    );
    expect(!result.ok && result.problem.code).toBe('out_of_stock');
    expect(!result.ok && result.problem.errors).toEqual([
      { path: `items.${scarce}`, message: 'requested 2, available 1' },
    ]);
    expect(await level(plenty)).toMatchObject({ available: 10, reserved: 0 });
    expect(await level(scarce)).toMatchObject({ available: 1, reserved: 0 });
  });
});

describe('idempotency by reservation id', () => {
  it('a repeated reserve answers the same and holds nothing twice', async () => {
    const sku = freshSku('repeat');
    await restock(sku, 5);
    const first = await reserve(sku, 2);
    const again = await reserve(sku, 2, 60_000, first.reservationId);
    expect(again.result).toEqual(first.result);
    expect(await level(sku)).toMatchObject({ available: 3, reserved: 2 });
  });

  it('a repeated rejection stays a rejection even after a restock', async () => {
    const sku = freshSku('rejected');
    await restock(sku, 1);
    const first = await reserve(sku, 2);
    await restock(sku, 10);
    const again = await reserve(sku, 2, 60_000, first.reservationId);
    expect(again.result).toEqual(first.result);
    expect(await level(sku)).toMatchObject({ available: 11, reserved: 0 });
  });

  it('the same id with other items is a conflict, not a second hold', async () => {
    const sku = freshSku('reused');
    await restock(sku, 5);
    const first = await reserve(sku, 1);
    const other = await reserve(sku, 2, 60_000, first.reservationId);
    expect(!other.result.ok && other.result.problem.code).toBe('reservation_id_reused');
    expect(await level(sku)).toMatchObject({ available: 4, reserved: 1 });
  });

  it('a redelivered confirm or release has no second effect', async () => {
    const sku = freshSku('redeliver');
    await restock(sku, 5);
    const a = await reserve(sku, 2);
    const b = await reserve(sku, 1);
    const c1 = await inventory.confirmReservation(ref(a.reservationId, sku), meta());
    const c2 = await inventory.confirmReservation(ref(a.reservationId, sku), meta());
    const r1 = await inventory.releaseReservation(ref(b.reservationId, sku), meta());
    const r2 = await inventory.releaseReservation(ref(b.reservationId, sku), meta());
    expect(c2).toEqual(c1);
    expect(r2).toEqual(r1);
    expect(await level(sku)).toMatchObject({ available: 3, reserved: 0, sold: 2 });
  });

  it('a release that overtakes its reserve leaves a tombstone: the late reserve holds nothing', async () => {
    const sku = freshSku('tombstone');
    await restock(sku, 5);
    const reservationId = newId('res');
    expect((await inventory.releaseReservation(ref(reservationId, sku), meta())).ok).toBe(true);
    const late = await reserve(sku, 2, 60_000, reservationId);
    expect(!late.result.ok && late.result.problem.code).toBe('reservation_released');
    expect(await level(sku)).toMatchObject({ available: 5, reserved: 0 });
  });
});

describe('expiry', () => {
  it('the alarm returns expired holds to available, and a late confirm fails', async () => {
    const sku = freshSku('expiry');
    await restock(sku, 6);
    const { reservationId } = await reserve(sku, 4, 50);
    expect(await level(sku)).toMatchObject({ available: 2, reserved: 4 });
    await sleep(80);
    const stub = await shardStub(region, sku);
    await runDurableObjectAlarm(stub);
    expect(await level(sku)).toMatchObject({ available: 6, reserved: 0, sold: 0 });
    const late = await inventory.confirmReservation(ref(reservationId, sku), meta());
    expect(!late.ok && late.problem.code).toBe('reservation_expired');
    expect(await level(sku)).toMatchObject({ available: 6, reserved: 0, sold: 0 });
  });

  it('a confirm after the expiry time expires the hold even before the alarm ran', async () => {
    const sku = freshSku('lapsed');
    await restock(sku, 3);
    const { reservationId } = await reserve(sku, 3, 20);
    await sleep(40);
    const late = await inventory.confirmReservation(ref(reservationId, sku), meta());
    expect(!late.ok && late.problem.code).toBe('reservation_expired');
    expect(await level(sku)).toMatchObject({ available: 3, reserved: 0, sold: 0 });
  });

  it('an alarm that fires twice has no second effect', async () => {
    const sku = freshSku('twice');
    await restock(sku, 5);
    const stub = await shardStub(region, sku);
    const pending = await holdOutbox(stub);
    await reserve(sku, 5, 30);
    await sleep(50);
    await runInDurableObject(stub, (shard: InventoryShard) => shard.alarm());
    const afterFirst = { level: await level(sku), events: (await pending()).length };
    await runInDurableObject(stub, (shard: InventoryShard) => shard.alarm());
    expect(await level(sku)).toEqual(afterFirst.level);
    expect((await pending()).length).toBe(afterFirst.events);
    expect(afterFirst.level).toMatchObject({ available: 5, reserved: 0 });
  });
});

describe('retention', () => {
  it('finished reservations are purged after the retention; live holds never are', async () => {
    const sku = freshSku('purge');
    await restock(sku, 5);
    const live = await reserve(sku, 1);
    const done = await reserve(sku, 1);
    await inventory.releaseReservation(ref(done.reservationId, sku), meta());
    const stub = await shardStub(region, sku);
    // Both rows last changed long ago (beyond any retention).
    await runInDurableObject(stub, (_shard: InventoryShard, state) => {
      state.storage.sql.exec(
        'UPDATE reservations SET updated_at = 0 WHERE reservation_id IN (?, ?)',
        live.reservationId,
        done.reservationId,
      );
    });
    await runInDurableObject(stub, (shard: InventoryShard) => shard.alarm());
    const [kept, purged] = await runInDurableObject(stub, (shard: InventoryShard) => [
      shard.getReservation(live.reservationId),
      shard.getReservation(done.reservationId),
    ]);
    expect(kept?.status).toBe('held');
    expect(purged).toBeNull();
    expect(await level(sku)).toMatchObject({ available: 4, reserved: 1 });
  });
});

describe('events', () => {
  it('every change commits its domain event and stock levels to the outbox', async () => {
    const sku = freshSku('events');
    const stub = await shardStub(region, sku);
    const pending = await holdOutbox(stub);
    const before = (await pending()).length;
    await restock(sku, 5);
    const { reservationId } = await reserve(sku, 2);
    await inventory.confirmReservation(ref(reservationId, sku), meta());
    const released = await reserve(sku, 1);
    await inventory.releaseReservation(ref(released.reservationId, sku), meta());
    const events = (await pending()).slice(before);
    const mine = events.filter(
      (e) =>
        (e.payload as { sku?: string; items?: { sku: string }[] }).sku === sku ||
        (e.payload as { items?: { sku: string }[] }).items?.some((i) => i.sku === sku),
    );
    expect(mine.map((e) => e.type)).toEqual([
      'inventory.restocked',
      STOCK_CHANGED,
      STOCK_CHANGED,
      RESERVATION_EVENTS.held,
      STOCK_CHANGED,
      RESERVATION_EVENTS.confirmed,
      STOCK_CHANGED,
      RESERVATION_EVENTS.held,
      STOCK_CHANGED,
      RESERVATION_EVENTS.released,
    ]);
    const last = mine.filter((e) => e.type === STOCK_CHANGED).at(-1);
    expect(last?.payload).toMatchObject({
      sku,
      available: 3,
      reserved: 0,
      sold: 2,
      reason: 'release',
    });
  });
});

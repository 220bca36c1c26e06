/**
 * Concurrent reservations never oversell: the shard leader serialises every
 * write, so of 500 concurrent one-unit reservations against 100 units exactly
 * 100 succeed, and available + reserved + sold stays 100 through confirms,
 * releases and a second wave. Each seed shuffles the order of arrival and
 * which holds are confirmed or released.
 */
import { newId } from '@common/ids';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../test/support/random';
import { freshSku, inventory, level, meta, restock } from './helpers';

const region = 'us' as const;
const STOCK = 100;
const CONTENDERS = 500;
const SEEDS = [1, 7, 42, 1337];

function shuffle<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function reserveOne(sku: string, reservationId: string) {
  const result = await inventory.reserveItems(
    { reservationId, region, items: [{ sku, quantity: 1 }], ttl_ms: 60_000 },
    meta(),
  );
  if (!result.ok) expect(result.problem.code).toBe('out_of_stock');
  return { reservationId, ok: result.ok };
}

const total = (l: { available: number; reserved: number; sold: number }) =>
  l.available + l.reserved + l.sold;

describe('500 concurrent reservations against 100 units', () => {
  it.each(SEEDS)('exactly 100 succeed and stock is conserved (seed %i)', async (seed) => {
    const random = seededRandom(seed);
    const sku = freshSku(`contended${seed}`);
    await restock(sku, STOCK);

    const ids = shuffle(
      Array.from({ length: CONTENDERS }, () => newId('res')),
      random,
    );
    const wave = await Promise.all(ids.map((id) => reserveOne(sku, id)));
    const winners = wave.filter((r) => r.ok).map((r) => r.reservationId);
    expect(winners).toHaveLength(STOCK);
    expect(await level(sku)).toMatchObject({ available: 0, reserved: STOCK, sold: 0 });

    // Second round, all at once: confirm some holds, release others, and let
    // new contenders race for the released units.
    const order = shuffle(winners, random);
    const toConfirm = order.slice(0, Math.floor(random() * STOCK));
    const toRelease = order.slice(toConfirm.length, toConfirm.length + Math.floor(random() * 40));
    const ref = (reservationId: string) => ({ reservationId, region, skus: [sku] });
    const newcomers = Array.from({ length: 200 }, () => newId('res'));
    const calls = shuffle(
      [
        ...toConfirm.map((id) => () => inventory.confirmReservation(ref(id), meta())),
        ...toRelease.map((id) => () => inventory.releaseReservation(ref(id), meta())),
        ...newcomers.map((id) => () => reserveOne(sku, id)),
      ],
      random,
    );
    const results = await Promise.all(calls.map((call) => call()));
    const taken = results.filter((r) => 'reservationId' in r && r.ok).length;

    const after = await level(sku);
    expect(total(after)).toBe(STOCK);
    expect(taken).toBeLessThanOrEqual(toRelease.length);
    expect(after).toMatchObject({
      sold: toConfirm.length,
      reserved: STOCK - toConfirm.length - toRelease.length + taken,
      available: toRelease.length - taken,
    });
  });
});

/**
 * Paging across regions with per-region positions (the admin orders
 * listing's cursor), as a property over random regions, limits and failing
 * legs: following nextCursor lists every order exactly once; when no leg
 * fails, the pages together are in global newest-first order.
 */
import { REGIONS, type Region } from '@common/regions';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  exhausted,
  filtersKey,
  type Keyed,
  mergePage,
  newestFirst,
  type Positions,
} from './cursor';

/** A region's query: its orders after the position, newest first, at most `limit`. */
function regionQuery(all: Keyed[], region: Region, positions: Positions, limit: number) {
  const at = positions[region];
  return all
    .filter((o) => o.region === region)
    .sort(newestFirst)
    .filter((o) => !at || at === 'done' || newestFirst(o, { region, ...at }) > 0)
    .slice(0, limit);
}

/** Follows the cursor to the end; `fails(page, region)` makes a leg fail. */
function pageThrough(all: Keyed[], limit: number, fails: (page: number, r: Region) => boolean) {
  const key = filtersKey({});
  const listed: Keyed[] = [];
  let positions: Positions = {};
  for (let page = 0; page < 500; page++) {
    const asked = REGIONS.filter((r) => positions[r] !== 'done');
    const answered = Object.fromEntries(
      asked
        .filter((r) => !fails(page, r))
        .map((r) => [r, regionQuery(all, r, positions, limit + 1)]),
    );
    const { items, next } = mergePage(asked, answered, positions, limit);
    listed.push(...items);
    if (exhausted(REGIONS, next)) return listed;
    // The cursor goes to the client and back.
    positions = decodeCursor(encodeCursor(key, next), key);
  }
  throw new Error('paging did not end');
}

const orders = fc
  .uniqueArray(
    fc.record({
      region: fc.constantFrom(...REGIONS),
      // Few distinct times, so ties across regions are common.
      createdAt: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_000_020 }),
      orderId: fc.stringMatching(/^ord_[0-9A-Z]{4}$/),
    }),
    { selector: (o) => o.orderId, maxLength: 60 },
  )
  .map((list) => list as Keyed[]);

describe('paging across regions', () => {
  it('lists every order once, in global order, whatever the page size', () => {
    fc.assert(
      fc.property(orders, fc.integer({ min: 1, max: 10 }), (all, limit) => {
        const listed = pageThrough(all, limit, () => false);
        expect(listed).toEqual([...all].sort(newestFirst));
      }),
    );
  });

  it('a leg that fails keeps its region’s place: nothing is skipped or listed twice', () => {
    fc.assert(
      fc.property(
        orders,
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
        (all, limit, failures) => {
          // Each region fails on some of the first pages, then recovers.
          const fails = (page: number, r: Region) =>
            page < 10 && (failures[page * REGIONS.length + REGIONS.indexOf(r)] ?? false);
          const listed = pageThrough(all, limit, fails);
          expect([...listed].sort(newestFirst)).toEqual([...all].sort(newestFirst));
        },
      ),
    );
  });

  it('a cursor only continues its own query', () => {
    const key = filtersKey({ status: 'CONFIRMED' });
    const cursor = encodeCursor(key, { us: 'done', eu: { createdAt: 5, orderId: 'ord_X' } });
    expect(decodeCursor(cursor, key)).toEqual({
      us: 'done',
      eu: { createdAt: 5, orderId: 'ord_X' },
    });
    expect(() => decodeCursor(cursor, filtersKey({ status: 'REJECTED' }))).toThrow(/other filters/);
    for (const forged of [
      'x',
      `${cursor}x`,
      btoa('{"v":2}'),
      btoa('{"v":1,"f":"a","p":{"mars":"done"}}'),
    ]) {
      expect(() => decodeCursor(forged, key), forged).toThrow(/cursor/);
    }
  });
});

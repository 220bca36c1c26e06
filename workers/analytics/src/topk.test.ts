/**
 * Space-Saving's guarantees, on random streams: exact while the SKUs fit,
 * and in bounded space every heavy SKU is kept with an overestimate bounded
 * by its error, also after merging buckets.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopK } from './topk';

type Line = [sku: string, quantity: number];

const line = (skus: number) =>
  fc.tuple(
    fc.integer({ min: 0, max: skus - 1 }).map((i) => `SKU-${i}`),
    fc.integer({ min: 1, max: 20 }),
  );

function truth(lines: readonly Line[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [sku, q] of lines) counts.set(sku, (counts.get(sku) ?? 0) + q);
  return counts;
}

const summaryOf = (lines: readonly Line[], capacity: number) => {
  const topk = new TopK(capacity);
  for (const [sku, q] of lines) topk.add(sku, q);
  return topk;
};

/** Every heavy SKU (more than total / capacity) is kept; every kept count brackets the truth. */
function expectGuarantees(topk: TopK, lines: readonly Line[], capacity: number): void {
  const counts = truth(lines);
  const total = lines.reduce((s, [, q]) => s + q, 0);
  const kept = new Map(topk.top(capacity).map((e) => [e.sku, e]));
  for (const [sku, count] of counts) {
    if (count > total / capacity) expect(kept.has(sku), `${sku} is heavy`).toBe(true);
  }
  for (const e of kept.values()) {
    const real = counts.get(e.sku) ?? 0;
    expect(e.quantity).toBeGreaterThanOrEqual(real);
    expect(e.quantity - e.error).toBeLessThanOrEqual(real);
  }
}

describe('TopK (Space-Saving)', () => {
  it('is exact while the SKUs fit in its capacity', () => {
    fc.assert(
      fc.property(fc.array(line(20), { maxLength: 400 }), (lines) => {
        const top = summaryOf(lines, 20).top(20);
        const expected = [...truth(lines)]
          .map(([sku, quantity]) => ({ sku, quantity, error: 0 }))
          .sort((a, b) => b.quantity - a.quantity || a.sku.localeCompare(b.sku));
        expect(top).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('in bounded space keeps every heavy SKU with a bounded overestimate', () => {
    fc.assert(
      fc.property(fc.array(line(200), { maxLength: 1000 }), (lines) => {
        expectGuarantees(summaryOf(lines, 10), lines, 10);
      }),
      { numRuns: 300 },
    );
  });

  it('merged buckets keep the guarantees of the whole stream', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(line(60), { maxLength: 200 }), { minLength: 1, maxLength: 5 }),
        (buckets) => {
          const window = new TopK(10);
          for (const bucket of buckets) window.merge(summaryOf(bucket, 10));
          expectGuarantees(window, buckets.flat(), 10);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a merge of exact buckets is exact', () => {
    const a = summaryOf(
      [
        ['A', 3],
        ['B', 1],
      ],
      10,
    );
    const b = summaryOf(
      [
        ['B', 5],
        ['C', 2],
      ],
      10,
    );
    expect(a.merge(b).top(3)).toEqual([
      { sku: 'B', quantity: 6, error: 0 },
      { sku: 'A', quantity: 3, error: 0 },
      { sku: 'C', quantity: 2, error: 0 },
    ]);
  });

  it('refuses a quantity that is no positive integer', () => {
    expect(() => new TopK().add('A', 0)).toThrow(RangeError);
    expect(() => new TopK().add('A', 1.5)).toThrow(RangeError);
  });
});

/**
 * The two properties the windows rely on: a merge is the sketch of the union
 * (so five one-minute buckets make the five-minute window), and a quantile
 * is within the relative accuracy α of the true quantile.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DDSketch } from './ddsketch';

/** The value of rank ⌊q·(n − 1)⌋ of the sorted data: the quantile the sketch estimates. */
function trueQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN;
}

const sketchOf = (values: readonly number[], alpha = 0.01) => {
  const sketch = new DDSketch(alpha);
  for (const v of values) sketch.add(v);
  return sketch;
};

/** Latency-like values: zeros, sub-millisecond, and a long tail up to an hour. */
const latency = fc.oneof(
  fc.constant(0),
  fc.double({ min: 0.001, max: 1, noNaN: true }),
  fc.double({ min: 1, max: 3_600_000, noNaN: true }),
  fc.integer({ min: 1, max: 60_000 }),
);
const quantile = fc.constantFrom(0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1);
const alpha = fc.constantFrom(0.005, 0.01, 0.02, 0.05);

describe('DDSketch', () => {
  it('a merge is the sketch of the union', () => {
    fc.assert(
      fc.property(
        fc.array(latency, { maxLength: 300 }),
        fc.array(latency, { maxLength: 300 }),
        (a, b) => {
          const merged = sketchOf(a).merge(sketchOf(b));
          const union = sketchOf([...a, ...b]);
          const { sum: mergedSum, ...mergedRest } = merged.toJSON();
          const { sum: unionSum, ...unionRest } = union.toJSON();
          expect(mergedRest).toEqual(unionRest);
          expect(mergedSum).toBeCloseTo(unionSum, 6);
          for (const q of [0, 0.5, 0.99, 1]) expect(merged.quantile(q)).toBe(union.quantile(q));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('merging five buckets gives the quantiles of all their values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(latency, { maxLength: 100 }), { minLength: 5, maxLength: 5 }),
        (buckets) => {
          const window = new DDSketch();
          for (const bucket of buckets) window.merge(sketchOf(bucket));
          const all = buckets.flat();
          for (const q of [0.5, 0.99]) expect(window.quantile(q)).toBe(sketchOf(all).quantile(q));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('every quantile is within α of the true quantile on random data', () => {
    fc.assert(
      fc.property(
        fc.array(latency, { minLength: 1, maxLength: 2000 }),
        quantile,
        alpha,
        (values, q, a) => {
          const estimate = sketchOf(values, a).quantile(q);
          const truth = trueQuantile(values, q);
          expect(estimate).toBeDefined();
          // α relative, plus a hair for floating point at bucket edges.
          expect(Math.abs((estimate ?? Number.NaN) - truth)).toBeLessThanOrEqual(
            a * truth * (1 + 1e-9) + 1e-12,
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a heavy tail: p99 is the slow saga within α, where fixed buckets would say "≤ 60 s"', () => {
    // 98 fast sagas and two at ~40 s.
    const values = [...Array.from({ length: 98 }, (_, i) => 20 + i), 39_500, 41_000];
    const p99 = sketchOf(values).quantile(0.99) ?? 0;
    expect(Math.abs(p99 - trueQuantile(values, 0.99)) / trueQuantile(values, 0.99)).toBeLessThan(
      0.01,
    );
  });

  it('survives JSON: the stored sketch answers as the live one', () => {
    fc.assert(
      fc.property(fc.array(latency, { maxLength: 500 }), (values) => {
        const live = sketchOf(values);
        const stored = DDSketch.fromJSON(JSON.parse(JSON.stringify(live.toJSON())));
        for (const q of [0, 0.5, 0.99, 1]) expect(stored.quantile(q)).toBe(live.quantile(q));
        expect(stored.count).toBe(values.length);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps at most binsMax buckets, and the upper quantiles keep their accuracy', () => {
    const sketch = new DDSketch(0.01, 64);
    const values = Array.from({ length: 5000 }, (_, i) => 1.01 ** i);
    for (const v of values) sketch.add(v);
    expect(sketch.toJSON().b.length).toBeLessThanOrEqual(64);
    for (const q of [0.99, 0.999]) {
      const truth = trueQuantile(values, q);
      expect(Math.abs((sketch.quantile(q) ?? 0) - truth)).toBeLessThanOrEqual(
        0.01 * truth * 1.000001,
      );
    }
  });

  it('refuses what it cannot represent', () => {
    expect(() => new DDSketch().add(-1)).toThrow(RangeError);
    expect(() => new DDSketch().add(Number.NaN)).toThrow(RangeError);
    expect(() => new DDSketch(0.01).merge(new DDSketch(0.02))).toThrow(RangeError);
    expect(new DDSketch().quantile(0.5)).toBeUndefined();
  });
});

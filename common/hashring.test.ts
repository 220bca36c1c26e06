import { describe, expect, it } from 'vitest';
import { HashRing, hash32, shardNames } from './hashring';

const keys = Array.from({ length: 20_000 }, (_, i) => `SKU-${i}`);

function counts(ring: HashRing): Map<string, number> {
  const result = new Map<string, number>();
  for (const key of keys) {
    const shard = ring.shardFor(key);
    result.set(shard, (result.get(shard) ?? 0) + 1);
  }
  return result;
}

describe('consistent hash ring', () => {
  it('is deterministic: the same key always maps to the same shard', () => {
    const a = new HashRing(shardNames(8));
    const b = new HashRing(shardNames(8));
    for (const key of keys.slice(0, 500)) expect(a.shardFor(key)).toBe(b.shardFor(key));
  });

  it('balances keys across shards within ±15% of the mean with virtual nodes', () => {
    const ring = new HashRing(shardNames(8));
    const mean = keys.length / 8;
    const perShard = counts(ring);
    expect(perShard.size).toBe(8);
    for (const n of perShard.values()) expect(Math.abs(n - mean) / mean).toBeLessThan(0.15);
  });

  it('without virtual nodes the balance is much worse (why vnodes exist)', () => {
    const spread = (ring: HashRing) => {
      const values = [...counts(ring).values()];
      return Math.max(...values) / Math.min(...values);
    };
    expect(spread(new HashRing(shardNames(8), { vnodes: 1 }))).toBeGreaterThan(
      spread(new HashRing(shardNames(8))),
    );
  });

  it('adding a shard moves only the keys that now belong to it (about 1/n)', () => {
    const before = new HashRing(shardNames(8));
    const after = new HashRing(shardNames(9));
    let moved = 0;
    for (const key of keys) {
      const from = before.shardFor(key);
      const to = after.shardFor(key);
      if (from !== to) {
        moved++;
        // A key never moves between two old shards: only to the new one.
        expect(to).toBe('shard-8');
      }
    }
    const fraction = moved / keys.length;
    expect(fraction).toBeGreaterThan(1 / 9 - 0.04);
    expect(fraction).toBeLessThan(1 / 9 + 0.04);
  });

  it('hashes spread bits (no trivial collisions on similar keys)', () => {
    const hashes = new Set(keys.map(hash32));
    expect(hashes.size).toBeGreaterThan(keys.length * 0.999);
  });

  it('walks clockwise to distinct shards: the owner first, then its successors, each once', () => {
    const ring = new HashRing(shardNames(5));
    for (const key of keys.slice(0, 500)) {
      const list = ring.walk(key);
      expect(list[0]).toBe(ring.shardFor(key));
      expect(new Set(list).size).toBe(5);
      expect(ring.walk(key, 3)).toEqual(list.slice(0, 3));
    }
  });

  it('a preference list moves little when a shard joins: most keys keep their first shard', () => {
    const before = new HashRing(shardNames(5));
    const after = new HashRing(shardNames(6));
    const kept = keys.filter((k) => before.walk(k, 1)[0] === after.walk(k, 1)[0]).length;
    expect(kept / keys.length).toBeGreaterThan(0.75);
  });
});

/**
 * Consistent hashing with virtual nodes. Each shard owns `vnodes` points on a
 * 32-bit ring; a key belongs to the first point clockwise from its hash.
 * Adding a shard moves only the keys that now fall to it (~1/n of them).
 */

/** FNV-1a over UTF-16 code units, finished with murmur3's fmix32 to spread bits. */
export function hash32(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface HashRingOptions {
  /** Points per shard; more points, smoother balance. */
  vnodes?: number;
}

export class HashRing {
  readonly shards: readonly string[];
  readonly #points: Uint32Array;
  readonly #owners: string[];

  constructor(shards: readonly string[], { vnodes = 160 }: HashRingOptions = {}) {
    if (shards.length === 0) throw new Error('a hash ring needs at least one shard');
    this.shards = shards;
    const entries: Array<[number, string]> = [];
    for (const shard of shards) {
      for (let v = 0; v < vnodes; v++) entries.push([hash32(`${shard}#${v}`), shard]);
    }
    entries.sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
    this.#points = Uint32Array.from(entries, (e) => e[0]);
    this.#owners = entries.map((e) => e[1]);
  }

  /** The shard that owns `key`. */
  shardFor(key: string): string {
    return this.#owners[this.#first(key)] ?? (this.shards[0] as string);
  }

  /**
   * The distinct shards met walking clockwise from `key`, owner first, at
   * most `count`: a key's preference list when it is kept on several shards
   * (leaderless replication), the next ones being its fallbacks.
   */
  walk(key: string, count: number = this.shards.length): string[] {
    const found: string[] = [];
    const start = this.#first(key);
    const wanted = Math.min(count, this.shards.length);
    for (let i = 0; i < this.#owners.length && found.length < wanted; i++) {
      const owner = this.#owners[(start + i) % this.#owners.length];
      if (owner !== undefined && !found.includes(owner)) found.push(owner);
    }
    return found;
  }

  /** Index of the first point clockwise from `key`'s hash. */
  #first(key: string): number {
    const h = hash32(key);
    let lo = 0;
    let hi = this.#points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#points[mid] ?? 0) < h) lo = mid + 1;
      else hi = mid;
    }
    return lo === this.#points.length ? 0 : lo;
  }
}

/** Shard names for a region warehouse: `shard-0` … `shard-(n-1)`. */
export function shardNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `shard-${i}`);
}

/**
 * Which shard leader owns a SKU in a region: a consistent-hash ring per
 * region, built once per isolate from the configured shard counts.
 */
import { HashRing, shardNames } from '@common/hashring';
import { REGIONS, type Region } from '@common/regions';

/** Parses `us=4,eu=4,apac=2`; regions left out get one shard. */
export function parseShardCounts(spec: string): Record<Region, number> {
  const counts = Object.fromEntries(REGIONS.map((r) => [r, 1])) as Record<Region, number>;
  for (const part of spec.split(',')) {
    const [name, value] = part.split('=').map((s) => s.trim());
    const n = Number(value);
    if (
      (REGIONS as readonly string[]).includes(name ?? '') &&
      Number.isInteger(n) &&
      n > 0 &&
      n <= 256
    ) {
      counts[name as Region] = n;
    }
  }
  return counts;
}

const rings = new Map<string, HashRing>();

export function shardFor(spec: string, region: Region, sku: string): string {
  const key = `${spec}|${region}`;
  let ring = rings.get(key);
  if (!ring) {
    ring = new HashRing(shardNames(parseShardCounts(spec)[region]));
    rings.set(key, ring);
  }
  return ring.shardFor(sku);
}

/**
 * Cache-aside in KV. Entries carry the time they were cached, and a reader
 * treats an entry older than the TTL as a miss, so the staleness bound holds
 * even though KV's own expiry has a 60 s floor and is approximate.
 */
import type { Product } from '@common/contracts/catalog';

interface CacheEntry {
  product: Product;
  cachedAt: number;
}

export const productKey = (id: string) => `product:v1:${id}`;

/** KV refuses expirationTtl below 60 seconds. */
const KV_TTL_FLOOR_S = 60;

export class ProductCache {
  constructor(
    private readonly kv: KVNamespace,
    private readonly ttl_s: number,
  ) {}

  async get(id: string, now = Date.now()): Promise<Product | undefined> {
    const entry = await this.kv.get<CacheEntry>(productKey(id), 'json');
    if (!entry || now - entry.cachedAt >= this.ttl_s * 1000) return undefined;
    return entry.product;
  }

  async put(product: Product, now = Date.now()): Promise<void> {
    const entry: CacheEntry = { product, cachedAt: now };
    await this.kv.put(productKey(product.id), JSON.stringify(entry), {
      expirationTtl: Math.max(KV_TTL_FLOOR_S, this.ttl_s),
    });
  }

  async invalidate(id: string): Promise<void> {
    await this.kv.delete(productKey(id));
  }
}

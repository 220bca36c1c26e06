/**
 * Catalog service: product reads (cache-aside over D1) over RPC, and the
 * consumer of inventory events.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { consumeBatch } from '@common/consumer';
import {
  type CachedProduct,
  type ListProductsInput,
  ListProductsInputSchema,
  type Money,
  type ProductPage,
} from '@common/contracts/catalog';
import { fail, ok, type Result } from '@common/problem';
import { type HealthReport, healthReport } from '@common/rpc';
import { ProductCache } from './cache';
import { applyInventoryEvent } from './consumer';
import { quote } from './quote';
import { catalogDb, listProducts, loadProduct } from './store';

function cacheOf(env: CatalogEnv): ProductCache {
  return new ProductCache(env.PRODUCT_CACHE, Number(env.PRODUCT_CACHE_TTL_S) || 60);
}

export default class CatalogService extends WorkerEntrypoint<CatalogEnv> {
  async getProduct(id: string): Promise<Result<CachedProduct>> {
    const cache = cacheOf(this.env);
    const cached = await cache.get(id);
    if (cached) return ok({ product: cached, cache: 'hit-kv' });
    const product = await loadProduct(catalogDb(this.env.CATALOG_DB), id);
    if (!product) return fail(404, 'product_not_found', `no product with id "${id}"`);
    await cache.put(product);
    return ok({ product, cache: 'miss' });
  }

  async listProducts(input: ListProductsInput): Promise<Result<ProductPage>> {
    const parsed = ListProductsInputSchema.safeParse(input);
    if (!parsed.success)
      return fail(400, 'list_invalid', parsed.error.issues[0]?.message ?? 'invalid');
    const page = await listProducts(catalogDb(this.env.CATALOG_DB), parsed.data);
    if (page === 'bad_cursor')
      return fail(400, 'cursor_invalid', 'the cursor is not one this API issued');
    return ok(page);
  }

  /** Current prices of SKUs from the store of record, for pricing an order. */
  async quote(skus: string[]): Promise<Result<Record<string, Money>>> {
    return quote(catalogDb(this.env.CATALOG_DB), skus);
  }

  async health(): Promise<HealthReport> {
    return healthReport('catalog', {
      d1: () => this.env.CATALOG_DB.prepare('SELECT 1').first(),
      kv: () => this.env.PRODUCT_CACHE.get('health:probe'),
    });
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    const db = catalogDb(this.env.CATALOG_DB);
    const cache = cacheOf(this.env);
    await consumeBatch(
      batch,
      (envelope) => applyInventoryEvent(this.env.CATALOG_DB, db, cache, envelope),
      {
        service: 'catalog',
      },
    );
  }
}

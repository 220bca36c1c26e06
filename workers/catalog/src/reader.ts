/**
 * The catalog's read side: product and list lookups through the tiered cache,
 * and the invalidations the write events trigger.
 *
 * List pages are keyed by a generation stored in KV. Bumping it (one KV
 * write) retires every cached page at once, in every data centre, including
 * their Cache API copies that a delete could only reach in one data centre.
 */

import type {
  CacheStats,
  ListProductsInput,
  Product,
  ProductPage,
} from '@common/contracts/catalog';
import { newId } from '@common/ids';
import { errorMessage, type Logger } from '@common/log';
import { Lru } from '@common/lru';
import { SingleFlight } from '@common/single-flight';
import { type CacheConfig, cacheConfig } from './cache/config';
import { CacheApiLevel, KvLevel } from './cache/levels';
import { emptyStats, type IsolateCacheState, type Served, TieredCache } from './cache/tiered';
import { decodeCursor, loadPage, loadProduct, loadSkuOwner } from './store';

export const productKey = (id: string) => `product:v2:${id}`;
export const skuKey = (sku: string) => `sku:v1:${sku}`;
export const LIST_GENERATION_KEY = 'products:v2:list-generation';

/**
 * A list page's key. Each part is tagged, so no client value can stand for
 * another: "no category filter" is `all`, a filter is `in=<category>`; the
 * first page is `first`, a later one `after=<cursor>`. (A bare `*` for "no
 * filter" once let `?category=*` overwrite the unfiltered list.)
 */
export const listKey = (generation: string, input: ListProductsInput) =>
  [
    'products:v3:list',
    generation,
    input.category === undefined ? 'all' : `in=${input.category}`,
    `limit=${input.limit}`,
    input.cursor === undefined ? 'first' : `after=${input.cursor}`,
  ].join(':');

interface Isolate extends IsolateCacheState {
  generation?: { value: string; storedAt: number };
}

let isolate: Isolate | undefined;

/** This isolate's memory, single-flight slots and counters (created on first use). */
export function isolateState(config: CacheConfig): Isolate {
  isolate ??= {
    memory: new Lru(config.memory_entries_max),
    lookups: new SingleFlight(config.coalesce_wait_ms),
    loads: new SingleFlight(config.coalesce_wait_ms),
    stats: emptyStats(),
  };
  return isolate;
}

export interface ReaderOptions {
  waitUntil: (promise: Promise<unknown>) => void;
  log: Logger;
  /** The database loads read from; the catalog's own unless a test says otherwise. */
  d1?: D1Database;
}

export class CatalogReader {
  readonly #env: CatalogEnv;
  readonly #d1: D1Database;
  readonly #config: CacheConfig;
  readonly #isolate: Isolate;
  readonly #cache: TieredCache;
  readonly #log: Logger;

  constructor(env: CatalogEnv, { waitUntil, log, d1 }: ReaderOptions) {
    this.#env = env;
    this.#d1 = d1 ?? env.CATALOG_DB;
    this.#config = cacheConfig(env);
    this.#isolate = isolateState(this.#config);
    this.#log = log;
    const retention_s = (this.#config.policy.ttl_ms + this.#config.policy.stale_if_error_ms) / 1000;
    this.#cache = new TieredCache({
      policy: this.#config.policy,
      memory_ttl_ms: this.#config.memory_ttl_ms,
      levels: [
        new CacheApiLevel(caches.default, retention_s),
        new KvLevel(env.PRODUCT_CACHE, retention_s),
      ],
      isolate: this.#isolate,
      waitUntil,
      log,
    });
  }

  get config(): CacheConfig {
    return this.#config;
  }

  /** This isolate's counters, copied. */
  stats(): CacheStats {
    const { stats, memory } = this.#isolate;
    return { ...stats, hits: { ...stats.hits }, memoryEntries: memory.size };
  }

  product(id: string): Promise<Served<Product>> {
    return this.#cache.get(productKey(id), {
      load: () => this.#query(() => loadProduct(this.#d1, id)),
      shareGlobally: (product) => product !== null,
    });
  }

  /** Whether a product has this SKU (eventual, like every cached read). */
  async skuExists(sku: string): Promise<Served<{ productId: string }>> {
    return this.#cache.get(skuKey(sku), {
      load: () => this.#query(() => loadSkuOwner(this.#d1, sku)),
      shareGlobally: (owner) => owner !== null,
    });
  }

  async page(input: ListProductsInput): Promise<Served<ProductPage> | 'bad_cursor'> {
    const after = input.cursor === undefined ? '' : decodeCursor(input.cursor);
    if (after === undefined) return 'bad_cursor';
    const generation = await this.#generation();
    return this.#cache.get(listKey(generation, input), {
      load: () => this.#query(() => loadPage(this.#d1, input, after)),
      // Only first pages that list something reach KV: the categories and
      // cursors a client may invent stay in this data centre's levels.
      shareGlobally: (page) => input.cursor === undefined && (page?.items.length ?? 0) > 0,
    });
  }

  async invalidateProduct(id: string): Promise<void> {
    await this.#cache.invalidate(productKey(id));
  }

  async invalidateSku(sku: string): Promise<void> {
    await this.#cache.invalidate(skuKey(sku));
  }

  /** Retires every cached list page: one KV write of a fresh generation. */
  async invalidateLists(): Promise<void> {
    const value = newId('op');
    await this.#env.PRODUCT_CACHE.put(LIST_GENERATION_KEY, value);
    this.#isolate.generation = { value, storedAt: Date.now() };
  }

  /** Every D1 query of the read path goes through here, so the counter is exact. */
  async #query<T>(query: () => Promise<T>): Promise<T> {
    this.#isolate.stats.d1Reads++;
    try {
      return await query();
    } catch (error) {
      this.#isolate.stats.d1Errors++;
      throw error;
    }
  }

  /**
   * The current list generation, remembered for the memory TTL. When KV
   * cannot answer, the last known one is used: pages are still bounded by
   * the hard TTL, which does not depend on the generation.
   */
  async #generation(): Promise<string> {
    const known = this.#isolate.generation;
    const now = Date.now();
    if (known && now - known.storedAt < this.#config.memory_ttl_ms) return known.value;
    try {
      const value = (await this.#env.PRODUCT_CACHE.get(LIST_GENERATION_KEY)) ?? 'initial';
      this.#isolate.generation = { value, storedAt: now };
      return value;
    } catch (error) {
      this.#log.warn('cache.generation_unavailable', { error: errorMessage(error) });
      return known?.value ?? 'initial';
    }
  }
}

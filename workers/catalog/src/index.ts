/**
 * Catalog service: product reads through a three-level cache (memory, Cache
 * API, KV) over D1, admin writes committed with their events (outbox), the
 * relay that delivers those events, and the consumer that invalidates caches
 * from them and keeps the stock read model.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { consumeBatch, consumerOptions } from '@common/consumer';
import {
  type CachedProduct,
  type CachedProductPage,
  type CacheStats,
  type CreateProductInput,
  CreateProductInputSchema,
  type ListProductsInput,
  ListProductsInputSchema,
  type Money,
  type Product,
  ProductIdSchema,
  type UpdateProductInput,
  UpdateProductInputSchema,
} from '@common/contracts/catalog';
import { createLogger, type Logger } from '@common/log';
import { fail, ok, type Result } from '@common/problem';
import { isRegion, type Region } from '@common/regions';
import { type CallMeta, type HealthReport, healthReport } from '@common/rpc';
import type { z } from 'zod';
import { handleEnvelope } from './consumer';
import { outboxBacklog, type RelayResult, relayOutbox } from './outbox';
import { quote } from './quote';
import { CatalogReader } from './reader';
import { availabilityOf, catalogDb, type ProductRow, snapshotOf } from './store';
import {
  createProduct,
  deleteProduct,
  updateProduct,
  type WriteCondition,
  type WriteContext,
} from './writes';

/** An outbox row older than this makes the service report itself degraded. */
const OUTBOX_AGE_MS_MAX = 5 * 60_000;

const notFound = (id: string) =>
  fail<never>(404, 'product_not_found', `no product with id "${id}"`);

function invalid<T>(code: string, error: z.ZodError): Result<T> {
  return fail(400, code, error.issues[0]?.message ?? 'invalid input', {
    errors: error.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(root)',
      message: i.message,
    })),
  });
}

export default class CatalogService extends WorkerEntrypoint<CatalogEnv> {
  #log(meta?: CallMeta): Logger {
    return createLogger({
      service: 'catalog',
      requestId: meta?.requestId,
      traceparent: meta?.traceparent,
    });
  }

  #reader(log = this.#log()): CatalogReader {
    return new CatalogReader(this.env, { waitUntil: (p) => this.ctx.waitUntil(p), log });
  }

  get #region(): Region {
    return isRegion(this.env.CATALOG_REGION) ? this.env.CATALOG_REGION : 'us';
  }

  /**
   * Eventual, bounded by PRODUCT_CACHE_TTL_S; `cache` says which level
   * answered. Throws only when D1 fails with nothing cached (callers: 503).
   */
  async getProduct(id: string, meta?: CallMeta): Promise<Result<CachedProduct>> {
    if (!ProductIdSchema.safeParse(id).success) return notFound(id);
    const { value, ...cache } = await this.#reader(this.#log(meta)).product(id);
    return value ? ok({ product: value, ...cache }) : notFound(id);
  }

  async listProducts(
    input: ListProductsInput,
    meta?: CallMeta,
  ): Promise<Result<CachedProductPage>> {
    const parsed = ListProductsInputSchema.safeParse(input);
    if (!parsed.success) return invalid('list_invalid', parsed.error);
    const served = await this.#reader(this.#log(meta)).page(parsed.data);
    if (served === 'bad_cursor')
      return fail(400, 'cursor_invalid', 'the cursor is not one this API issued');
    const { value, ...cache } = served;
    return ok({ page: value ?? { items: [], nextCursor: null }, ...cache });
  }

  async createProduct(input: CreateProductInput, meta: CallMeta): Promise<Result<Product>> {
    const parsed = CreateProductInputSchema.safeParse(input);
    if (!parsed.success) return invalid('product_invalid', parsed.error);
    return this.#afterWrite(await createProduct(this.#writeContext(meta), parsed.data), meta);
  }

  /** `condition.ifVersions` (If-Match): the update applies only over one of those versions, else 412. */
  async updateProduct(
    id: string,
    patch: UpdateProductInput,
    meta: CallMeta,
    condition: WriteCondition = {},
  ): Promise<Result<Product>> {
    if (!ProductIdSchema.safeParse(id).success) return notFound(id);
    const parsed = UpdateProductInputSchema.safeParse(patch);
    if (!parsed.success) return invalid('product_invalid', parsed.error);
    const ifVersions = condition.ifVersions?.filter(Number.isSafeInteger);
    const result = await updateProduct(this.#writeContext(meta), id, parsed.data, { ifVersions });
    return this.#afterWrite(result, meta);
  }

  async deleteProduct(
    id: string,
    meta: CallMeta,
  ): Promise<Result<{ id: string; version: number }>> {
    if (!ProductIdSchema.safeParse(id).success) return notFound(id);
    const result = await deleteProduct(this.#writeContext(meta), id);
    if (result.ok) this.ctx.waitUntil(this.#relay(meta));
    return result;
  }

  /** Delivers committed events to the queue; also run by the cron trigger. */
  async relayOutbox(): Promise<RelayResult> {
    return this.#relay();
  }

  #relay(meta?: CallMeta): Promise<RelayResult> {
    return relayOutbox(this.env.CATALOG_DB, this.env.CATALOG_EVENTS, { log: this.#log(meta) });
  }

  /** This isolate's read-path counters. */
  cacheStats(): CacheStats {
    const reader = this.#reader();
    return reader.stats();
  }

  /** Current prices of SKUs from the store of record, for pricing an order. */
  async quote(skus: string[]): Promise<Result<Record<string, Money>>> {
    return quote(catalogDb(this.env.CATALOG_DB), skus);
  }

  async health(): Promise<HealthReport> {
    return healthReport('catalog', {
      d1: () => this.env.CATALOG_DB.prepare('SELECT 1').first(),
      kv: () => this.env.PRODUCT_CACHE.get('health:probe'),
      outbox: async () => {
        const backlog = await outboxBacklog(this.env.CATALOG_DB);
        if (backlog.oldest_ms > OUTBOX_AGE_MS_MAX)
          throw new Error(`${backlog.pending} events undelivered, oldest ${backlog.oldest_ms} ms`);
      },
    });
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    const deps = {
      d1: this.env.CATALOG_DB,
      db: catalogDb(this.env.CATALOG_DB),
      reader: this.#reader(),
    };
    await consumeBatch(
      batch,
      (envelope) => handleEnvelope(deps, envelope),
      consumerOptions('catalog', this.env),
    );
  }

  /** The cron trigger: delivers events whose writer died between commit and relay. */
  override async scheduled(controller: ScheduledController): Promise<void> {
    const result = await this.relayOutbox();
    if (result.sent > 0 || result.error)
      this.#log().info('outbox.cron_relay', { cron: controller.cron, ...result });
  }

  #writeContext(meta: CallMeta): WriteContext {
    return { d1: this.env.CATALOG_DB, meta, region: this.#region };
  }

  /** Relays the write's event after commit and answers with the product as written. */
  async #afterWrite(result: Result<ProductRow>, meta: CallMeta): Promise<Result<Product>> {
    if (!result.ok) return result;
    this.ctx.waitUntil(this.#relay(meta));
    const row = result.value;
    return ok({
      ...snapshotOf(row),
      availability: await availabilityOf(this.env.CATALOG_DB, row.sku),
    });
  }
}

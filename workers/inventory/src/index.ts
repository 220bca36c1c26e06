/**
 * Inventory service: typed RPC for the gateway and other services. It routes
 * each SKU to its shard leader in the caller's region and never exposes the
 * Durable Objects themselves.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import {
  type RestockInput,
  RestockInputSchema,
  SkuSchema,
  type StockLevel,
} from '@common/contracts/inventory';
import { fail, ok, type Result } from '@common/problem';
import { isRegion, type Region, regionalStub } from '@common/regions';
import { type CallMeta, type HealthReport, healthReport } from '@common/rpc';
import { shardFor } from './ring';
import type { InventoryShard } from './shard';

export { InventoryShard } from './shard';

export default class InventoryService extends WorkerEntrypoint<InventoryEnv> {
  #shard(region: Region, sku: string): DurableObjectStub<InventoryShard> {
    return regionalStub(
      this.env.INVENTORY_SHARD,
      region,
      shardFor(this.env.INVENTORY_SHARDS, region, sku),
    );
  }

  /** Linearizable read from the SKU's shard leader. */
  async getStock(sku: string, region: Region): Promise<Result<StockLevel>> {
    if (!SkuSchema.safeParse(sku).success)
      return fail(400, 'sku_invalid', `"${sku}" is not a valid sku`);
    if (!isRegion(region)) return fail(400, 'region_unknown', `unknown region "${region}"`);
    return ok(await this.#shard(region, sku).getStock(sku, region));
  }

  /** Adds stock; idempotent by `operationId`. */
  async restock(
    input: RestockInput,
    meta: CallMeta,
  ): Promise<Result<StockLevel & { applied: boolean }>> {
    const parsed = RestockInputSchema.safeParse(input);
    if (!parsed.success)
      return fail(400, 'restock_invalid', parsed.error.issues[0]?.message ?? 'invalid');
    return ok(await this.#shard(parsed.data.region, parsed.data.sku).restock(parsed.data, meta));
  }

  /** Which shard owns a SKU (for operators and tests of the ring). */
  shardOf(sku: string, region: Region): string {
    return shardFor(this.env.INVENTORY_SHARDS, region, sku);
  }

  async health(): Promise<HealthReport> {
    return healthReport('inventory', {
      shard: () => this.#shard('us', '__health__').getStock('__health__', 'us'),
    });
  }
}

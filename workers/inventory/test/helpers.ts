/** Shared fixtures for the inventory tests: call metadata, shard stubs, restocks. */

import { runInDurableObject } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import type { Envelope } from '@common/envelope';
import { newId } from '@common/ids';
import { type Region, regionalStub } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import { expect } from 'vitest';
import type InventoryService from '../src/index';
import type { InventoryShard } from '../src/shard';

/**
 * The worker under test, typed as its entrypoint. (`exports.default` is typed
 * from every worker's generated types at once, so it needs the narrowing.)
 */
export const inventory = exports.default as unknown as Service<typeof InventoryService>;

export const meta = (requestId = newId('req')): CallMeta => ({
  requestId,
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
});

export function shardStub(region: Region, sku: string): Promise<DurableObjectStub<InventoryShard>> {
  return Promise.resolve(inventory.shardOf(sku, region)).then((shard) =>
    regionalStub(env.INVENTORY_SHARD, region, shard),
  );
}

/** A SKU name unique to this run, so tests never share stock. */
export const freshSku = (label: string) => `${label}-${newId('op').slice(3)}`;

export async function restock(sku: string, quantity: number, region: Region = 'us') {
  const result = await inventory.restock(
    { sku, region, quantity, operationId: newId('op') },
    meta(),
  );
  expect(result.ok).toBe(true);
}

export async function level(sku: string, region: Region = 'us') {
  const result = await inventory.getStock(sku, region);
  if (!result.ok) throw new Error(result.problem.detail);
  return result.value;
}

/** `count` SKUs that the ring maps to `count` different shards of `region`. */
export async function skusOnDistinctShards(count: number, region: Region = 'us') {
  const byShard = new Map<string, string>();
  for (let i = 0; byShard.size < count && i < 1000; i++) {
    const sku = freshSku(`multi${i}`);
    const shard = await inventory.shardOf(sku, region);
    if (!byShard.has(shard)) byShard.set(shard, sku);
  }
  expect(byShard.size).toBe(count);
  return [...byShard.values()];
}

/**
 * Makes the shard's outbox keep its rows (the queue "is down") and returns a
 * reader of the envelopes waiting in it, so a test sees exactly what a change
 * committed.
 */
export async function holdOutbox(stub: DurableObjectStub<InventoryShard>) {
  await runInDurableObject(stub, (shard: InventoryShard) => {
    shard.send = async () => {
      throw new Error('queue unavailable (test)');
    };
  });
  return () =>
    runInDurableObject(stub, (shard: InventoryShard): Envelope[] =>
      shard.outbox.pending().map((row) => row.envelope),
    );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` SKUs that the ring maps to one shard of `region`. */
export async function skusOnSameShard(count: number, region: Region = 'us') {
  const first = freshSku('same');
  const shard = await inventory.shardOf(first, region);
  const skus = [first];
  for (let i = 0; skus.length < count && i < 1000; i++) {
    const sku = `${first}-${i}`;
    if ((await inventory.shardOf(sku, region)) === shard) skus.push(sku);
  }
  expect(skus.length).toBe(count);
  return skus.sort();
}

/** Two SKUs on one shard, as a typed pair. */
export async function twoSkusOnOneShard(region: Region = 'us'): Promise<[string, string]> {
  const [a, b] = await skusOnSameShard(2, region);
  if (a === undefined || b === undefined) throw new Error('no two SKUs on one shard');
  return [a, b];
}

/**
 * Inventory is per region warehouse: a region's shard leaders are created in
 * that region (the `eu` jurisdiction for `eu`, each region's primary location
 * hint). Recorded on the real namespace.
 */
import { createExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { newId } from '@common/ids';
import { REGION_CONFIG, REGIONS } from '@common/regions';
import { describe, expect, it } from 'vitest';
import { recordPlacements } from '../../../test/support/placement';
import InventoryService from '../src/index';
import { freshSku, meta } from './helpers';

describe('shard placement', () => {
  it.each(REGIONS)('the %s warehouse’s shards are placed in that region', async (region) => {
    const recorded = recordPlacements(env.INVENTORY_SHARD);
    const service = new InventoryService(createExecutionContext(), {
      ...env,
      INVENTORY_SHARD: recorded.namespace,
    });
    const sku = freshSku('place');
    const restocked = await service.restock(
      { sku, region, quantity: 3, operationId: newId('op') },
      meta(),
    );
    expect(restocked.ok).toBe(true);
    const reserved = await service.reserveItems(
      { reservationId: newId('res'), region, items: [{ sku, quantity: 1 }], ttl_ms: 60_000 },
      meta(),
    );
    expect(reserved.ok).toBe(true);
    expect((await service.getStock(sku, region)).ok).toBe(true);
    expect(recorded.placements.length).toBeGreaterThanOrEqual(3);
    for (const p of recorded.placements) {
      expect(p.name.startsWith(`${region}:`)).toBe(true);
      expect(p.jurisdiction).toBe(REGION_CONFIG[region].jurisdiction ?? null);
      expect(p.locationHint).toBe(REGION_CONFIG[region].locationHints[0]);
    }
  });
});

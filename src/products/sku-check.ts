/**
 * "Is this SKU in the catalog?", for routes that take a SKU in the path
 * (stock reads and restocks answer 404 for a SKU no product has).
 *
 * Where it costs least: a stock read stays one RPC to the shard leader plus
 * one DO read. The gateway remembers the catalog's answers in this isolate
 * (a bounded LRU) for as long as the catalog says they are fresh, and
 * refreshes a hot SKU's answer in the background half-way through, so a hot
 * SKU never waits on the catalog; a miss costs one call that the catalog
 * answers from its own cache levels. Freshness is the catalog's: an answer
 * is never kept past PRODUCT_CACHE_TTL_S from the catalog's D1 read, so the
 * check is eventual exactly like product reads. A restock asks for a fresh
 * answer (a D1 read): it must not create stock for a SKU that is gone.
 */
import type { SkuPresence } from '@common/contracts/catalog';
import { errorMessage } from '@common/log';
import { Lru } from '@common/lru';
import { Problem, problem } from '@common/problem';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';
import { callUpstream } from '../upstream/upstream';

/** SKUs remembered per isolate; the least recently used is forgotten first. */
const REMEMBERED_MAX = 10_000;

interface Remembered {
  exists: boolean;
  /** Past this the answer could break the catalog's staleness bound: ask again, and wait. */
  until: number;
  /** Past this (half-way) a hit starts one background refresh, so hot SKUs never wait. */
  refreshAt: number;
}

const remembered = new Lru<Remembered>(REMEMBERED_MAX);
const refreshing = new Set<string>();

const unknownSku = (sku: string) =>
  problem(404, 'sku_not_found', `no product in the catalog has SKU ${sku}`);

async function askCatalog(
  c: Context<GatewayBindings>,
  sku: string,
  fresh: boolean,
): Promise<SkuPresence> {
  const presence = await callUpstream('catalog', () => c.env.CATALOG.skuExists(sku, { fresh }), {
    log: c.get('log'),
    idempotent: true,
  });
  const now = Date.now();
  remembered.set(sku, {
    exists: presence.exists,
    until: now + presence.freshForMs,
    refreshAt: now + presence.freshForMs / 2,
  });
  return presence;
}

/** Refreshes a remembered answer after the response, once per SKU at a time. */
function refreshLater(c: Context<GatewayBindings>, sku: string): void {
  if (refreshing.has(sku)) return;
  refreshing.add(sku);
  const refresh = askCatalog(c, sku, false)
    .catch((error: unknown) =>
      c.get('log').warn('catalog.sku_refresh_failed', { sku, error: errorMessage(error) }),
    )
    .finally(() => refreshing.delete(sku));
  c.executionCtx.waitUntil(refresh);
}

export interface SkuCheckOptions {
  /**
   * Ask the store of record (a write is about to act on the SKU). When false,
   * a catalog that cannot answer lets the read through (logged): a stock read
   * must not fail because the catalog does.
   */
  fresh?: boolean;
}

/** Throws a 404 problem unless a product has `sku` (the SKU is already format-checked). */
export async function requireCatalogSku(
  c: Context<GatewayBindings>,
  sku: string,
  { fresh = false }: SkuCheckOptions = {},
): Promise<void> {
  const now = Date.now();
  const known = fresh ? undefined : remembered.get(sku);
  if (known && known.until > now) {
    if (known.refreshAt <= now) refreshLater(c, sku);
    if (!known.exists) throw unknownSku(sku);
    return;
  }
  let presence: SkuPresence;
  try {
    presence = await askCatalog(c, sku, fresh);
  } catch (error) {
    if (fresh || !(error instanceof Problem) || error.spec.status < 500) throw error;
    c.get('log').warn('catalog.sku_check_skipped', { sku, error: errorMessage(error) });
    return;
  }
  if (!presence.exists) throw unknownSku(sku);
}

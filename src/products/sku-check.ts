/**
 * "Is this SKU in the catalog?", for routes that take a SKU in the path
 * (stock reads and restocks answer 404 for a SKU no product has).
 *
 * Where it costs least: a stock read stays one RPC to the shard leader plus
 * one DO read. The gateway remembers the catalog's answers in this isolate
 * (a bounded LRU) for as long as the catalog says they are fresh, and
 * refreshes a hot SKU's answer in the background half-way through, so a hot
 * SKU never waits on the catalog; a miss asks the catalog (answered from
 * its own cache levels) beside the stock read, not before it. Freshness is
 * the catalog's: an answer
 * is never kept past PRODUCT_CACHE_TTL_S from the catalog's D1 read, so the
 * check is eventual exactly like product reads. A restock asks for a fresh
 * answer (a D1 read): it must not create stock for a SKU that is gone.
 */
import type { SkuPresence } from '@common/contracts/catalog';
import { errorMessage } from '@common/log';
import { Lru } from '@common/lru';
import { problem } from '@common/problem';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';
import { callUpstream } from '../upstream/upstream';

/** SKUs remembered per isolate; the least recently used is forgotten first. */
const REMEMBERED_MAX = 10_000;
/** How long a stock read, once answered, still waits for the catalog's verdict. */
const SKU_CHECK_GRACE_MS = 500;

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

/** Whether a product has `sku` per this isolate's memory, or undefined when it must ask. */
function rememberedPresence(c: Context<GatewayBindings>, sku: string): boolean | undefined {
  const now = Date.now();
  const known = remembered.get(sku);
  if (!known || known.until <= now) return undefined;
  if (known.refreshAt <= now) refreshLater(c, sku);
  return known.exists;
}

/**
 * For a restock: throws a 404 problem unless the store of record (D1) has a
 * product with `sku`, and a 503 when the catalog cannot say: a write must
 * not create stock for a SKU it cannot vouch for.
 */
export async function requireCatalogSku(c: Context<GatewayBindings>, sku: string): Promise<void> {
  const presence = await askCatalog(c, sku, true);
  if (!presence.exists) throw unknownSku(sku);
}

/** Waits at most `ms` for `promise`; undefined when it has not settled by then. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * For a stock read: runs `read` (the shard leader's answer) unless the SKU is
 * in no catalog entry (404). A remembered answer costs nothing; otherwise the
 * catalog is asked beside the read, and waited for at most
 * SKU_CHECK_GRACE_MS after the read is done: a slow or failing catalog lets
 * the read through (logged) rather than slowing stock down with it.
 */
export async function readWithCatalogSku<T>(
  c: Context<GatewayBindings>,
  sku: string,
  read: () => Promise<T>,
): Promise<T> {
  const known = rememberedPresence(c, sku);
  if (known === false) throw unknownSku(sku);
  if (known) return read();
  const check = askCatalog(c, sku, false).then(
    (presence) => presence.exists,
    (error: unknown) => {
      c.get('log').warn('catalog.sku_check_skipped', { sku, error: errorMessage(error) });
      return undefined;
    },
  );
  c.executionCtx.waitUntil(check);
  const [value] = await Promise.allSettled([read()]);
  const exists = await within(check, SKU_CHECK_GRACE_MS);
  if (exists === false) throw unknownSku(sku);
  if (value.status === 'rejected') throw value.reason;
  return value.value;
}

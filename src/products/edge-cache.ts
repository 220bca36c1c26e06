/**
 * The gateway's edge cache of catalog reads (runtime flag `catalog.edge_cache`,
 * judged by the serving region): a hot product, or a hot first page of the
 * list, is answered by this isolate from memory, without an RPC to the catalog.
 *
 * - **Per isolate, bounded**: an LRU of `EDGE_CACHE_ENTRIES` per kind of read.
 * - **Short-lived**: an entry answers for at most `EDGE_CACHE_MEMO_MS` after
 *   the catalog gave it; then the catalog is asked again. That is where the
 *   write events land (the catalog's consumer drops the product from every
 *   level it has and retires every list page), so after an event this isolate
 *   follows within `EDGE_CACHE_MEMO_MS` plus the catalog's own memory TTL.
 * - **The catalog's bound, not a new one**: an entry keeps when its data was
 *   read from D1 and is never served past the catalog's `PRODUCT_CACHE_TTL_S`
 *   from then (`freshForMs` as the catalog answered it, counted from when the
 *   call was sent, so the edge can only end early).
 * - **Only what the catalog found**: no 404, no `stale` fallback, no empty
 *   page; and data, never a response: the ETag, the 304 and every header are
 *   worked out per request, so no client's request shapes another's answer.
 * - **Flag off**: every read goes to the catalog, and the entry it would have
 *   used is dropped, so switching it on again starts from fresh answers.
 *
 * Why memory and not the Cache API: docs/catalog.md, "The gateway's edge cache".
 */
import type { CacheMeta } from '@common/contracts/catalog';
import { Lru } from '@common/lru';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';
import { flagOnFor } from '../flags/middleware';
import { edgeCacheReads } from '../metrics/gateway';

/** Longest an isolate answers without asking the catalog, whatever the var says. */
export const EDGE_CACHE_MEMO_MS_MAX = 5000;
const EDGE_CACHE_MEMO_MS_DEFAULT = 1000;
const EDGE_CACHE_ENTRIES_DEFAULT = 1000;
const EDGE_CACHE_ENTRIES_MAX = 100_000;

export interface EdgeSettings {
  memo_ms: number;
  entries_max: number;
}

function bounded(raw: unknown, fallback: number, max: number): number {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? Math.min(Math.floor(n), max) : fallback;
}

export function edgeSettings(vars: object): EdgeSettings {
  return {
    memo_ms: bounded(
      Reflect.get(vars, 'EDGE_CACHE_MEMO_MS'),
      EDGE_CACHE_MEMO_MS_DEFAULT,
      EDGE_CACHE_MEMO_MS_MAX,
    ),
    entries_max: bounded(
      Reflect.get(vars, 'EDGE_CACHE_ENTRIES'),
      EDGE_CACHE_ENTRIES_DEFAULT,
      EDGE_CACHE_ENTRIES_MAX,
    ),
  };
}

/** A catalog answer: the data and how fresh the catalog said it was. */
export interface Fresh<T> {
  value: T;
  meta: CacheMeta;
}

interface Entry<T> {
  value: T;
  /** No later than the D1 read the catalog served. */
  loadedAt: number;
  /** The catalog's staleness bound for this data. */
  expiresAt: number;
  /** Past this, ask the catalog again (EDGE_CACHE_MEMO_MS after it answered). */
  until: number;
}

/** One kind of read's remembered answers in this isolate. */
export class EdgeMemo<T> {
  readonly #entries: Lru<Entry<T>>;

  constructor(
    private readonly settings: EdgeSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.#entries = new Lru(settings.entries_max);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The remembered answer, its freshness as of now (`hit-edge`); undefined past its time. */
  recall(key: string): Fresh<T> | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const now = this.now();
    if (now >= entry.until) {
      this.#entries.delete(key);
      return undefined;
    }
    const meta: CacheMeta = {
      cache: 'hit-edge',
      ageMs: now - entry.loadedAt,
      freshForMs: entry.expiresAt - now,
      revalidating: false,
    };
    return { value: entry.value, meta };
  }

  /** Remembers what the catalog answered to a call sent at `sentAt` (a stale answer is not kept). */
  remember(key: string, { value, meta }: Fresh<T>, sentAt: number): void {
    if (meta.cache === 'stale' || meta.freshForMs <= 0) return;
    const expiresAt = sentAt + meta.freshForMs;
    const until = Math.min(expiresAt, this.now() + this.settings.memo_ms);
    this.#entries.set(key, { value, loadedAt: sentAt - meta.ageMs, expiresAt, until });
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

export type EdgeKind = 'product' | 'list';

const memos = new Map<EdgeKind, EdgeMemo<unknown>>();

/** This isolate's memo of `kind`, sized from the gateway's vars on first use. */
export function edgeMemo<T>(kind: EdgeKind, vars: object): EdgeMemo<T> {
  let memo = memos.get(kind);
  if (!memo) {
    memo = new EdgeMemo<unknown>(edgeSettings(vars));
    memos.set(kind, memo);
  }
  return memo as EdgeMemo<T>;
}

/** The last version of a product this isolate wrote (deleted: none is kept); versions only grow. */
const writtenVersions = new Lru<number>(EDGE_CACHE_ENTRIES_MAX);
const DELETED = Number.MAX_SAFE_INTEGER;

/**
 * After a write through this isolate: drops the product and every page it
 * held, and keeps no answer older than what it wrote (`version`; none after a
 * delete) while the catalog, until the write's event lands, still gives one.
 */
export function forgetWritten(
  c: Context<GatewayBindings>,
  written?: { id: string; version?: number },
): void {
  if (written) {
    edgeMemo('product', c.env).forget(written.id);
    writtenVersions.set(written.id, written.version ?? DELETED);
  }
  edgeMemo('list', c.env).clear();
}

/** Whether a product answer may be kept: not older than this isolate's own write of it. */
export function keepsProduct(product: { id: string; version: number }): boolean {
  const floor = writtenVersions.get(product.id);
  return floor === undefined || product.version >= floor;
}

export interface ThroughEdge<T> {
  kind: EdgeKind;
  key: string;
  /** The catalog read; throws (a problem) for what must not be kept, e.g. a 404. */
  read: () => Promise<Fresh<T>>;
  /** Whether an answer may be kept; all found answers unless said otherwise. */
  keep?: (value: T) => boolean;
}

/**
 * A catalog read through the edge cache when the flag is on for this request.
 * @example await throughEdge(c, { kind: 'product', key: id, read: () => readFromCatalog(c, id) })
 */
export async function throughEdge<T>(
  c: Context<GatewayBindings>,
  { kind, key, read, keep = () => true }: ThroughEdge<T>,
): Promise<Fresh<T>> {
  const memo = edgeMemo<T>(kind, c.env);
  if (!(await flagOnFor(c, 'catalog.edge_cache'))) {
    memo.forget(key);
    edgeCacheReads.inc({ kind, result: 'off' });
    return read();
  }
  const hit = memo.recall(key);
  edgeCacheReads.inc({ kind, result: hit ? 'hit' : 'miss' });
  if (hit) return hit;
  const sentAt = Date.now();
  const fresh = await read();
  if (keep(fresh.value)) memo.remember(key, fresh, sentAt);
  return fresh;
}

/**
 * Read-through cache in three levels in front of a loader (D1):
 *
 *   memory (this isolate, LRU, very short TTL)
 *     → Cache API (this data centre)
 *       → KV (global)
 *         → load (one D1 query)
 *
 * A hit is copied into the levels above it; a load fills all of them. Every
 * level keeps the record's `loadedAt`, so no reader ever gets a value older
 * than `policy.ttl_ms` from any level (see record.ts). Past the soft TTL a
 * record is still served while one background refresh per isolate reloads it
 * (stale-while-revalidate). Concurrent lookups of a key in an isolate share
 * one run, and loads of a key share one D1 query (single-flight). When the
 * load fails, the newest record any level still holds is served, flagged
 * `stale`, rather than an error.
 */

import type { CacheLevel, CacheMeta, CacheStats } from '@common/contracts/catalog';
import { errorMessage, type Logger } from '@common/log';
import type { Lru } from '@common/lru';
import type { SingleFlight } from '@common/single-flight';
import type { SharedLevel } from './levels';
import {
  type CacheRecord,
  type Freshness,
  type FreshnessPolicy,
  freshnessOf,
  isServeable,
  newest,
  newRecord,
} from './record';

export interface MemoryEntry {
  record: CacheRecord<unknown>;
  /** When this isolate stored it; memory answers only within `memory_ttl_ms` of it. */
  storedAt: number;
}

export type Served<T> = CacheMeta & { value: T | null };

export type MutableStats = Omit<CacheStats, 'memoryEntries'>;

/** What one isolate keeps between requests. */
export interface IsolateCacheState {
  memory: Lru<MemoryEntry>;
  lookups: SingleFlight<Served<unknown>>;
  loads: SingleFlight<CacheRecord<unknown>>;
  stats: MutableStats;
}

export function emptyStats(): MutableStats {
  return {
    d1Reads: 0,
    d1Errors: 0,
    hits: { memory: 0, cacheApi: 0, kv: 0 },
    misses: 0,
    stale: 0,
    coalesced: 0,
    refreshes: 0,
  };
}

export interface Source<T> {
  /** Reads the value from the source of truth; `null` when it does not exist. */
  load: () => Promise<T | null>;
  /**
   * Whether a loaded value may be written to the global level (KV); the
   * levels of this isolate and data centre always take it. Lookups keyed by
   * client-chosen values share only what the catalog really holds (a found
   * product, a non-empty first page), so probing random ids, categories or
   * cursors writes nothing to KV.
   */
  shareGlobally: (value: T | null) => boolean;
}

export interface TieredCacheOptions {
  policy: FreshnessPolicy;
  memory_ttl_ms: number;
  /** Shared levels, nearest first. */
  levels: SharedLevel[];
  isolate: IsolateCacheState;
  /** `ctx.waitUntil`: background fills and refreshes outlive the response. */
  waitUntil: (promise: Promise<unknown>) => void;
  log: Logger;
  now?: () => number;
}

const HIT_COUNTER = {
  'hit-cache-api': 'cacheApi',
  'hit-kv': 'kv',
} as const satisfies Record<SharedLevel['level'], keyof MutableStats['hits']>;

export class TieredCache {
  readonly #o: TieredCacheOptions;
  readonly #now: () => number;

  constructor(options: TieredCacheOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get #stats(): MutableStats {
    return this.#o.isolate.stats;
  }

  async get<T>(key: string, source: Source<T>): Promise<Served<T>> {
    const now = this.#now();
    const entry = this.#o.isolate.memory.get(key);
    if (entry && now - entry.storedAt < this.#o.memory_ttl_ms) {
      const freshness = freshnessOf(entry.record, now, this.#o.policy);
      if (isServeable(freshness)) {
        this.#stats.hits.memory++;
        return this.#serve(key, entry.record as CacheRecord<T>, 'hit-memory', freshness, source);
      }
    }
    const remembered = entry?.record as CacheRecord<T> | undefined;
    const flight = await this.#o.isolate.lookups.run(
      key,
      () => this.#lookup(key, source, remembered),
      this.#o.waitUntil,
    );
    if (flight.joined) this.#stats.coalesced++;
    return flight.value as Served<T>;
  }

  /** Drops `key` from this isolate's memory and deletes it from every shared level. */
  async invalidate(key: string): Promise<void> {
    this.#o.isolate.memory.delete(key);
    await Promise.all(this.#o.levels.map((level) => level.delete(key)));
  }

  async #lookup<T>(
    key: string,
    source: Source<T>,
    remembered: CacheRecord<T> | undefined,
  ): Promise<Served<T>> {
    let fallback = remembered;
    for (const [index, level] of this.#o.levels.entries()) {
      const record = await this.#read<T>(level, key);
      if (!record) continue;
      const now = this.#now();
      const freshness = freshnessOf(record, now, this.#o.policy);
      if (!isServeable(freshness)) {
        fallback = newest(fallback, record);
        continue;
      }
      this.#stats.hits[HIT_COUNTER[level.level]]++;
      this.#remember(key, record, now);
      this.#fill(key, record, this.#o.levels.slice(0, index), source);
      return this.#serve(key, record, level.level, freshness, source);
    }
    try {
      const { value: record } = await this.#load(key, source);
      this.#stats.misses++;
      return this.#meta(record, 'miss', false);
    } catch (error) {
      const now = this.#now();
      if (!fallback || freshnessOf(fallback, now, this.#o.policy) === 'dead') throw error;
      this.#stats.stale++;
      this.#o.log.warn('cache.served_stale', {
        key,
        age_ms: now - fallback.loadedAt,
        error: errorMessage(error),
      });
      return { ...this.#meta(fallback, 'stale', false), freshForMs: 0 };
    }
  }

  /** A level that fails to answer is skipped: a cache outage costs latency, not errors. */
  async #read<T>(level: SharedLevel, key: string): Promise<CacheRecord<T> | undefined> {
    try {
      return await level.get<T>(key);
    } catch (error) {
      this.#o.log.warn('cache.level_failed', {
        level: level.level,
        op: 'get',
        key,
        error: errorMessage(error),
      });
      return undefined;
    }
  }

  /** One load per key at a time in this isolate; it fills every level. */
  #load<T>(key: string, source: Source<T>) {
    return this.#o.isolate.loads.run(
      key,
      async () => {
        const loadedAt = this.#now();
        const record = newRecord(await source.load(), loadedAt, this.#o.policy);
        this.#remember(key, record, this.#now());
        this.#fill(key, record, this.#o.levels, source);
        return record as CacheRecord<unknown>;
      },
      this.#o.waitUntil,
    ) as Promise<{ value: CacheRecord<T>; joined: boolean }>;
  }

  #serve<T>(
    key: string,
    record: CacheRecord<T>,
    level: CacheLevel,
    freshness: Freshness,
    source: Source<T>,
  ): Served<T> {
    const revalidating = freshness === 'revalidate';
    if (revalidating) {
      const refresh = this.#load(key, source).then(
        ({ joined }) => {
          if (!joined) this.#stats.refreshes++;
        },
        (error: unknown) =>
          this.#o.log.warn('cache.refresh_failed', { key, error: errorMessage(error) }),
      );
      this.#o.waitUntil(refresh);
    }
    return this.#meta(record, level, revalidating);
  }

  #meta<T>(record: CacheRecord<T>, cache: CacheLevel, revalidating: boolean): Served<T> {
    const now = this.#now();
    return {
      value: record.value,
      cache,
      ageMs: Math.max(0, now - record.loadedAt),
      freshForMs: Math.max(0, record.loadedAt + this.#o.policy.ttl_ms - now),
      revalidating,
    };
  }

  #remember(key: string, record: CacheRecord<unknown>, now: number): void {
    const current = this.#o.isolate.memory.get(key);
    // Never replace a newer record with an older one (a slow KV read racing a load).
    if (current && current.record.loadedAt > record.loadedAt) return;
    this.#o.isolate.memory.set(key, { record, storedAt: now });
  }

  #fill<T>(key: string, record: CacheRecord<T>, levels: SharedLevel[], source: Source<T>): void {
    for (const level of levels) {
      if (level.scope === 'global' && !source.shareGlobally(record.value)) continue;
      this.#o.waitUntil(
        level.put(key, record).catch((error: unknown) =>
          this.#o.log.warn('cache.level_failed', {
            level: level.level,
            op: 'put',
            key,
            error: errorMessage(error),
          }),
        ),
      );
    }
  }
}

/**
 * The two shared cache levels behind the in-isolate memory: the Cache API
 * (this data centre only) and KV (global, eventually consistent). Both store
 * the same `CacheRecord` JSON and keep it for `retention_s` (hard TTL plus the
 * stale-if-error window); freshness is judged from the record, not from the
 * store's own expiry, which is approximate (KV has a 60 s floor).
 */
import { asRecord, type CacheRecord } from './record';

export interface SharedLevel {
  /** The `X-Cache` value a hit at this level reports. */
  readonly level: 'hit-cache-api' | 'hit-kv';
  /** Where an entry is visible: this data centre, or every location. */
  readonly scope: 'colo' | 'global';
  get<T>(key: string): Promise<CacheRecord<T> | undefined>;
  put<T>(key: string, record: CacheRecord<T>): Promise<void>;
  delete(key: string): Promise<void>;
}

/** KV refuses `expirationTtl` below 60 seconds. */
const KV_TTL_FLOOR_S = 60;

/** Global; a write or delete reaches every location within about 60 s. */
export class KvLevel implements SharedLevel {
  readonly level = 'hit-kv' as const;
  readonly scope = 'global' as const;

  constructor(
    private readonly kv: KVNamespace,
    private readonly retention_s: number,
  ) {}

  async get<T>(key: string): Promise<CacheRecord<T> | undefined> {
    return asRecord<T>(await this.kv.get(key, 'json'));
  }

  async put<T>(key: string, record: CacheRecord<T>): Promise<void> {
    await this.kv.put(key, JSON.stringify(record), {
      expirationTtl: Math.max(KV_TTL_FLOOR_S, Math.ceil(this.retention_s)),
    });
  }

  async delete(key: string): Promise<void> {
    await this.kv.delete(key);
  }
}

/**
 * The Cache API of the data centre that runs the worker: no cost per
 * operation, sub-millisecond, but a delete only reaches this data centre.
 * Keys are synthetic URLs on a host we never serve.
 */
export class CacheApiLevel implements SharedLevel {
  readonly level = 'hit-cache-api' as const;
  readonly scope = 'colo' as const;

  constructor(
    private readonly cache: Cache,
    private readonly retention_s: number,
    private readonly origin = 'https://catalog-cache.meridian.internal',
  ) {}

  url(key: string): string {
    return `${this.origin}/${encodeURIComponent(key)}`;
  }

  async get<T>(key: string): Promise<CacheRecord<T> | undefined> {
    const response = await this.cache.match(this.url(key));
    return response ? asRecord<T>(await response.json()) : undefined;
  }

  async put<T>(key: string, record: CacheRecord<T>): Promise<void> {
    await this.cache.put(
      this.url(key),
      new Response(JSON.stringify(record), {
        headers: {
          'content-type': 'application/json',
          'cache-control': `public, max-age=${Math.ceil(this.retention_s)}`,
        },
      }),
    );
  }

  async delete(key: string): Promise<void> {
    await this.cache.delete(this.url(key));
  }
}

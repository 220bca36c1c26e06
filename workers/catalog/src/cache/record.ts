/**
 * What every cache level stores, and the one freshness rule they all share.
 *
 * A record carries the time its value was read from D1 (`loadedAt`), and it
 * keeps that time when it is copied from KV to the Cache API to memory. Every
 * level judges freshness from `loadedAt`, so staleness does not add up across
 * levels: whichever level answers, the value is at most `ttl_ms` older than D1.
 */

export interface CacheRecord<T> {
  /** `null` records that the key does not exist (a negative entry). */
  value: T | null;
  /** When the D1 read that produced `value` started (epoch ms). */
  loadedAt: number;
  /** From this time on, readers still get the record but start a background refresh. */
  refreshAt: number;
}

export interface FreshnessPolicy {
  /** Hard TTL: the staleness bound. No level serves a record older than this. */
  ttl_ms: number;
  /** Soft TTL: after it, serve and refresh in the background (stale-while-revalidate). */
  soft_ttl_ms: number;
  /** Fraction of the soft TTL drawn at random per record, so hot keys do not refresh together. */
  jitter: number;
  /** How long past the hard TTL a record is kept to answer when D1 fails (flagged stale). */
  stale_if_error_ms: number;
}

/**
 * `fresh`: serve. `revalidate`: serve and refresh in the background.
 * `expired`: past the bound; only for answering when D1 fails. `dead`: useless.
 */
export type Freshness = 'fresh' | 'revalidate' | 'expired' | 'dead';

export function newRecord<T>(
  value: T | null,
  loadedAt: number,
  policy: FreshnessPolicy,
  random: () => number = Math.random,
): CacheRecord<T> {
  const jitter_ms = policy.soft_ttl_ms * policy.jitter * random();
  return { value, loadedAt, refreshAt: loadedAt + policy.soft_ttl_ms - jitter_ms };
}

export function freshnessOf(
  record: CacheRecord<unknown>,
  now: number,
  policy: FreshnessPolicy,
): Freshness {
  const age = now - record.loadedAt;
  if (age >= policy.ttl_ms + policy.stale_if_error_ms) return 'dead';
  if (age >= policy.ttl_ms) return 'expired';
  return now >= record.refreshAt ? 'revalidate' : 'fresh';
}

/** Serveable without going to D1. */
export const isServeable = (f: Freshness) => f === 'fresh' || f === 'revalidate';

/** Of two records, the one read from D1 later. */
export function newest<T>(
  a: CacheRecord<T> | undefined,
  b: CacheRecord<T> | undefined,
): CacheRecord<T> | undefined {
  if (!a) return b;
  if (!b) return a;
  return b.loadedAt > a.loadedAt ? b : a;
}

/** Shape check for records read back from KV or the Cache API (old or foreign data is a miss). */
export function asRecord<T>(data: unknown): CacheRecord<T> | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const r = data as Partial<CacheRecord<T>>;
  if (typeof r.loadedAt !== 'number' || typeof r.refreshAt !== 'number') return undefined;
  if (!('value' in r) || r.value === undefined) return undefined;
  return { value: r.value ?? null, loadedAt: r.loadedAt, refreshAt: r.refreshAt };
}

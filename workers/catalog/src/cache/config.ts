/**
 * Read-path settings from the worker's vars, with the invariants that make
 * the stated staleness bound true: every other TTL fits inside the hard TTL.
 */
import type { FreshnessPolicy } from './record';

export interface CacheConfig {
  policy: FreshnessPolicy;
  /** How long this isolate answers from memory without looking at shared levels. */
  memory_ttl_ms: number;
  memory_entries_max: number;
  /** Longest a read waits on another read's load before loading itself. */
  coalesce_wait_ms: number;
}

export interface CacheVars {
  PRODUCT_CACHE_TTL_S?: string;
  PRODUCT_CACHE_SOFT_TTL_S?: string;
  PRODUCT_CACHE_MEMORY_TTL_MS?: string;
  PRODUCT_CACHE_MEMORY_ENTRIES?: string;
  PRODUCT_CACHE_STALE_IF_ERROR_S?: string;
}

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Share of the soft TTL drawn at random per record. */
const SOFT_TTL_JITTER = 0.2;

export function cacheConfig(vars: CacheVars): CacheConfig {
  const ttl_ms = positive(vars.PRODUCT_CACHE_TTL_S, 60) * 1000;
  const soft_ttl_ms = Math.min(
    positive(vars.PRODUCT_CACHE_SOFT_TTL_S, ttl_ms / 2000) * 1000,
    ttl_ms,
  );
  return {
    policy: {
      ttl_ms,
      soft_ttl_ms,
      jitter: SOFT_TTL_JITTER,
      stale_if_error_ms: positive(vars.PRODUCT_CACHE_STALE_IF_ERROR_S, 86_400) * 1000,
    },
    memory_ttl_ms: Math.min(positive(vars.PRODUCT_CACHE_MEMORY_TTL_MS, 1000), ttl_ms),
    memory_entries_max: Math.floor(positive(vars.PRODUCT_CACHE_MEMORY_ENTRIES, 1000)),
    coalesce_wait_ms: 5000,
  };
}

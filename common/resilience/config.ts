/**
 * Resilience settings, from a worker's vars (strings) with defaults, so a
 * deploy can tune them and tests can shorten them without code changes.
 */

export interface UpstreamConfig {
  timeout_ms: number;
  concurrency_max: number;
  queue_max: number;
  /**
   * Per-upstream bulkhead sizes that replace the defaults above, e.g. the
   * idempotency and rate-limit objects that every request calls.
   */
  limits: Record<string, { concurrency_max: number; queue_max: number }>;
  breaker: {
    consecutive_failures: number;
    failure_rate: number;
    calls_min: number;
    window_ms: number;
    open_ms: number;
    half_open_probes: number;
  };
  retry: {
    attempts_max: number;
    delay_ms_base: number;
    delay_ms_max: number;
    budget_per_request: number;
  };
  faults: {
    enabled: boolean;
    cache_ms: number;
  };
}

export const DEFAULT_UPSTREAM_CONFIG: UpstreamConfig = {
  timeout_ms: 3000,
  concurrency_max: 32,
  queue_max: 16,
  limits: {},
  breaker: {
    consecutive_failures: 5,
    failure_rate: 0.5,
    calls_min: 10,
    window_ms: 10_000,
    open_ms: 5000,
    half_open_probes: 1,
  },
  retry: { attempts_max: 3, delay_ms_base: 50, delay_ms_max: 1000, budget_per_request: 3 },
  faults: { enabled: true, cache_ms: 1000 },
};

/** A positive number from a var, clamped; the fallback when unset or malformed. */
export function numberVar(
  raw: unknown,
  fallback: number,
  { min = 0, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {},
): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : Number.NaN;
  if (raw === '' || !Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

/**
 * `UPSTREAM_LIMITS`: `name=concurrency/queue` pairs separated by commas, e.g.
 * `idempotency=256/128,catalog=64/32`. Malformed entries are ignored.
 */
export function parseLimits(raw: unknown): UpstreamConfig['limits'] {
  if (typeof raw !== 'string') return {};
  const limits: UpstreamConfig['limits'] = {};
  for (const entry of raw.split(',')) {
    const m = /^\s*([a-z0-9:_-]+)\s*=\s*(\d+)\s*\/\s*(\d+)\s*$/i.exec(entry);
    if (m?.[1] && Number(m[2]) >= 1) {
      limits[m[1]] = { concurrency_max: Number(m[2]), queue_max: Number(m[3]) };
    }
  }
  return limits;
}

/** Reads the resilience vars of a worker's env (any object of vars). */
export function upstreamConfigFromVars(vars: object): UpstreamConfig {
  const v = (name: string): unknown => Reflect.get(vars, name);
  const d = DEFAULT_UPSTREAM_CONFIG;
  return {
    timeout_ms: numberVar(v('UPSTREAM_TIMEOUT_MS'), d.timeout_ms, { min: 1 }),
    concurrency_max: numberVar(v('UPSTREAM_CONCURRENCY_MAX'), d.concurrency_max, { min: 1 }),
    queue_max: numberVar(v('UPSTREAM_QUEUE_MAX'), d.queue_max),
    limits: parseLimits(v('UPSTREAM_LIMITS')),
    breaker: {
      consecutive_failures: numberVar(
        v('BREAKER_CONSECUTIVE_FAILURES'),
        d.breaker.consecutive_failures,
        { min: 1 },
      ),
      failure_rate: numberVar(v('BREAKER_FAILURE_RATE'), d.breaker.failure_rate, {
        min: 0.01,
        max: 1,
      }),
      calls_min: numberVar(v('BREAKER_CALLS_MIN'), d.breaker.calls_min, { min: 1 }),
      window_ms: numberVar(v('BREAKER_WINDOW_MS'), d.breaker.window_ms, { min: 100 }),
      open_ms: numberVar(v('BREAKER_OPEN_MS'), d.breaker.open_ms, { min: 1 }),
      half_open_probes: numberVar(v('BREAKER_HALF_OPEN_PROBES'), d.breaker.half_open_probes, {
        min: 1,
      }),
    },
    retry: {
      attempts_max: numberVar(v('RETRY_ATTEMPTS_MAX'), d.retry.attempts_max, { min: 1, max: 10 }),
      delay_ms_base: numberVar(v('RETRY_DELAY_MS_BASE'), d.retry.delay_ms_base, { min: 1 }),
      delay_ms_max: numberVar(v('RETRY_DELAY_MS_MAX'), d.retry.delay_ms_max, { min: 1 }),
      budget_per_request: numberVar(v('RETRY_BUDGET_PER_REQUEST'), d.retry.budget_per_request),
    },
    faults: {
      enabled: v('FAULT_INJECTION') !== 'disabled',
      cache_ms: numberVar(v('FAULTS_CACHE_MS'), d.faults.cache_ms, { min: 0, max: 2000 }),
    },
  };
}

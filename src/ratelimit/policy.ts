/**
 * Rate-limit policies, read from the gateway's vars, and the decision a
 * limiter returns (what the RateLimit-* headers report).
 */

/** Token bucket: up to `capacity` requests at once, refilled at `refill_per_s`. */
export interface BucketPolicy {
  capacity: number;
  refill_per_s: number;
}

/** Sliding window (exact log): at most `max` hits in any `window_s` seconds. */
export interface WindowPolicy {
  max: number;
  window_s: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the quota is fully restored. */
  reset_s: number;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retry_after_s: number;
  /** Identifies a sliding-window hit, so it can be refunded. */
  hit_id?: number;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function apiPolicy(env: GatewayEnv): BucketPolicy {
  return {
    capacity: Math.floor(positive(env.RATE_LIMIT_API_CAPACITY, 120)),
    refill_per_s: positive(env.RATE_LIMIT_API_REFILL_PER_S, 2),
  };
}

export interface AuthPolicies {
  account: WindowPolicy;
  ip: WindowPolicy;
}

export function authPolicies(env: GatewayEnv): AuthPolicies {
  const window_s = Math.floor(positive(env.RATE_LIMIT_AUTH_WINDOW_S, 900));
  return {
    account: { max: Math.floor(positive(env.RATE_LIMIT_AUTH_ACCOUNT_MAX, 5)), window_s },
    ip: { max: Math.floor(positive(env.RATE_LIMIT_AUTH_IP_MAX, 30)), window_s },
  };
}

export function shardCount(env: GatewayEnv): number {
  return Math.min(1024, Math.floor(positive(env.RATE_LIMIT_SHARDS, 32)));
}

/** Writes the RateLimit-* headers (and Retry-After when refused). */
export function writeRateLimitHeaders(headers: Headers, decision: RateLimitDecision): void {
  headers.set('ratelimit-limit', String(decision.limit));
  headers.set('ratelimit-remaining', String(decision.remaining));
  headers.set('ratelimit-reset', String(decision.reset_s));
  if (!decision.allowed) headers.set('retry-after', String(Math.max(1, decision.retry_after_s)));
}

/** Of two decisions, the one closer to refusing: that is what the client must respect. */
export function tighter(a: RateLimitDecision | undefined, b: RateLimitDecision): RateLimitDecision {
  if (!a) return b;
  if (a.allowed !== b.allowed) return a.allowed ? b : a;
  return b.remaining < a.remaining ? b : a;
}

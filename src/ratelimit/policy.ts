/**
 * Rate-limit policies, read from the gateway's vars, and the decision a
 * limiter returns (what the RateLimit-* headers report).
 */

/**
 * The per-principal API limit: at most `limit` requests per `period_s`
 * seconds, counted by Cloudflare's Rate Limiting binding (per location,
 * approximate). Must equal the binding's `simple` config in wrangler.toml
 * (`deploy:check` compares them): the binding enforces, the vars only say
 * what the headers report.
 */
export interface ApiPolicy {
  limit: number;
  period_s: 10 | 60;
}

/** Sliding window (exact log): at most `max` hits in any `window_s` seconds. */
export interface WindowPolicy {
  max: number;
  window_s: number;
}

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  /** Requests left; undefined when the limiter cannot tell (the API binding). */
  remaining?: number;
  /** Seconds until the quota is fully restored (an upper bound for the API binding). */
  reset_s?: number;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retry_after_s: number;
  /** `RateLimit-Policy` value, e.g. `600;w=60`. */
  policy?: string;
  /** Identifies a sliding-window hit, so it can be refunded. */
  hit_id?: number;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function apiPolicy(env: GatewayEnv): ApiPolicy {
  return {
    limit: Math.floor(positive(env.RATE_LIMIT_API_CAPACITY, 600)),
    period_s: env.RATE_LIMIT_API_PERIOD_S === '10' ? 10 : 60,
  };
}

/**
 * Login and register windows. `pair` (one account from one address) is
 * tight and stops guessing; `account` (one account from every address) is
 * much higher, so failures from elsewhere cannot lock the owner out; `ip`
 * (every attempt from one address) stops one address spraying accounts.
 */
export interface AuthPolicies {
  pair: WindowPolicy;
  account: WindowPolicy;
  ip: WindowPolicy;
}

export function authPolicies(env: GatewayEnv): AuthPolicies {
  const window_s = Math.floor(positive(env.RATE_LIMIT_AUTH_WINDOW_S, 900));
  const max = (value: string | undefined, fallback: number) => ({
    max: Math.floor(positive(value, fallback)),
    window_s,
  });
  return {
    pair: max(env.RATE_LIMIT_AUTH_PAIR_MAX, 5),
    account: max(env.RATE_LIMIT_AUTH_ACCOUNT_MAX, 100),
    ip: max(env.RATE_LIMIT_AUTH_IP_MAX, 30),
  };
}

export function shardCount(env: GatewayEnv): number {
  return Math.min(1024, Math.floor(positive(env.RATE_LIMIT_SHARDS, 32)));
}

/** Writes the RateLimit-* headers it can stand behind (and Retry-After when refused). */
export function writeRateLimitHeaders(headers: Headers, decision: RateLimitDecision): void {
  headers.set('ratelimit-limit', String(decision.limit));
  if (decision.remaining !== undefined)
    headers.set('ratelimit-remaining', String(decision.remaining));
  if (decision.reset_s !== undefined) headers.set('ratelimit-reset', String(decision.reset_s));
  if (decision.policy) headers.set('ratelimit-policy', decision.policy);
  if (!decision.allowed) headers.set('retry-after', String(Math.max(1, decision.retry_after_s)));
}

/**
 * Of two decisions, the one the client must respect: a refusal over an
 * allowance, then the one that knows how much is left, then the lower.
 */
export function tighter(a: RateLimitDecision | undefined, b: RateLimitDecision): RateLimitDecision {
  if (!a) return b;
  if (a.allowed !== b.allowed) return a.allowed ? b : a;
  if (a.remaining === undefined) return b.remaining === undefined ? a : b;
  if (b.remaining === undefined) return a;
  return b.remaining < a.remaining ? b : a;
}

/** The carts service's limits and timings, from its vars (workers/carts/wrangler.toml). */

export interface CartConfig {
  lines_max: number;
  line_quantity_max: number;
  skus_max: number;
  anti_entropy_ms: number;
  anti_entropy_ms_max: number;
  checkout_retention_ms: number;
  outbox_retry_ms: number;
}

const positive = (value: string | undefined, fallback: number): number => {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

export function cartConfig(env: CartsEnv): CartConfig {
  const anti_entropy_ms = positive(env.CART_ANTI_ENTROPY_MS, 500);
  return {
    lines_max: positive(env.CART_LINES_MAX, 50),
    line_quantity_max: positive(env.CART_LINE_QUANTITY_MAX, 1000),
    skus_max: positive(env.CART_SKUS_MAX, 500),
    anti_entropy_ms,
    anti_entropy_ms_max: Math.max(anti_entropy_ms, positive(env.CART_ANTI_ENTROPY_MS_MAX, 2000)),
    checkout_retention_ms: positive(env.CART_CHECKOUT_RETENTION_S, 604_800) * 1000,
    outbox_retry_ms: positive(env.OUTBOX_RETRY_MS, 2000),
  };
}

/** The aggregator's settings, from the worker's vars (wrangler.toml says why each is what it is). */
import { MINUTE_MS, WINDOW_MINUTES_MAX } from '@common/contracts/analytics';
import { DEFAULT_ALPHA } from './ddsketch';
import { DEFAULT_TOPK_CAPACITY } from './topk';
import type { WindowSettings } from './windows';

export interface AggregatorSettings extends WindowSettings {
  retention_minutes: number;
  inbox_retention_ms: number;
}

/** Bounds that keep a bucket's row small and the windows answerable. */
const RETENTION_MINUTES_MAX = 24 * 60;
const SKUS_PER_BUCKET_MAX = 1000;

function numberVar(env: object, name: string, fallback: number, min: number, max: number): number {
  const raw: unknown = Reflect.get(env, name);
  const n = Number(raw);
  if (raw === undefined || raw === '' || !Number.isFinite(n)) return fallback;
  if (n < min || n > max) throw new Error(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

export function aggregatorSettings(env: object): AggregatorSettings {
  const lateness_ms = numberVar(env, 'ANALYTICS_ALLOWED_LATENESS_MS', 120_000, 0, 3_600_000);
  const retention_minutes = Math.floor(
    numberVar(env, 'ANALYTICS_RETENTION_MINUTES', 60, WINDOW_MINUTES_MAX, RETENTION_MINUTES_MAX),
  );
  // A bucket must outlive its lateness, or a late-but-allowed event would
  // recreate a pruned one (the bound above keeps it for the longest window).
  if (retention_minutes * MINUTE_MS <= lateness_ms)
    throw new Error('ANALYTICS_RETENTION_MINUTES must exceed the allowed lateness');
  const currency = String(Reflect.get(env, 'ANALYTICS_CURRENCY') ?? 'USD');
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error('ANALYTICS_CURRENCY must be an ISO 4217 code');
  return {
    lateness_ms,
    retention_minutes,
    alpha: numberVar(env, 'ANALYTICS_SKETCH_ALPHA', DEFAULT_ALPHA, 0.0001, 0.5),
    skus_capacity: Math.floor(
      numberVar(env, 'ANALYTICS_SKUS_PER_BUCKET', DEFAULT_TOPK_CAPACITY, 10, SKUS_PER_BUCKET_MAX),
    ),
    currency,
    inbox_retention_ms: numberVar(env, 'ANALYTICS_INBOX_RETENTION_H', 168, 1, 24 * 90) * 3_600_000,
  };
}

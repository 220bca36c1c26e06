/**
 * Analytics contracts, shared by the analytics worker (which computes the
 * windows) and the gateway (which serves and documents them). Declared once.
 */
import { z } from 'zod';
import { MoneySchema } from './catalog';

/** The topic the publishers' `<TOPIC>_<REGION>__ANALYTICS` bindings send to (one queue per region: `<queue>-<region>`). */
export const ANALYTICS_QUEUE = 'meridian-analytics-events';

/**
 * 1m: the tumbling minute; 5m: the sliding five minutes (API.md). 15m and
 * 60m merge more buckets the same way, for the console's plots (`minutes`).
 */
export const ANALYTICS_WINDOWS = ['1m', '5m', '15m', '60m'] as const;
export type AnalyticsWindow = (typeof ANALYTICS_WINDOWS)[number];
/** One-minute buckets each window merges. */
export const WINDOW_MINUTES: Record<AnalyticsWindow, number> = {
  '1m': 1,
  '5m': 5,
  '15m': 15,
  '60m': 60,
};
/** The longest window: buckets must be kept at least this long. */
export const WINDOW_MINUTES_MAX = Math.max(...Object.values(WINDOW_MINUTES));

export const MINUTE_MS = 60_000;

export const minuteOf = (at: number): number => Math.floor(at / MINUTE_MS) * MINUTE_MS;

/** The minutes (start, epoch ms, oldest first) of the window of `kind` that ends with the minute of `at`. */
export function windowMinutes(kind: AnalyticsWindow, at: number): number[] {
  const last = minuteOf(at);
  const n = WINDOW_MINUTES[kind];
  return Array.from({ length: n }, (_, i) => last - (n - 1 - i) * MINUTE_MS);
}

/** How many top SKUs a window lists, at most and by default. */
export const TOP_SKUS_MAX = 50;
export const TOP_SKUS_DEFAULT = 10;

const Count = z.number().int().nonnegative();
const Iso = z.string().describe('ISO 8601 UTC');

export const TopSkuSchema = z.object({
  sku: z.string(),
  quantity: Count.describe('units of confirmed orders'),
  error: Count.optional().describe(
    'upper bound of the overestimate when more SKUs sold than a bucket tracks (absent = exact)',
  ),
});

const LatencySchema = z.object({
  p50: z.number().nullable(),
  p99: z.number().nullable(),
  count: Count,
});

export const MinuteSchema = z.object({
  from: Iso,
  orders: Count,
  confirmed: Count,
  cancelled: Count,
  rejected: Count,
  revenue: MoneySchema,
  late: Count,
  sagaLatencyMs: LatencySchema,
});
export type MinuteView = z.infer<typeof MinuteSchema>;

export const RegionAnalyticsSchema = z
  .object({
    orders: Count.describe('orders placed (PENDING) with event time in the window'),
    confirmed: Count,
    cancelled: Count,
    rejected: Count,
    revenue: MoneySchema.describe('totals of the orders confirmed in the window'),
    revenueByCurrency: z
      .array(MoneySchema)
      .describe('every currency seen, when orders came in more than one'),
    topSkus: z.array(TopSkuSchema),
    sagaLatencyMs: LatencySchema.describe(
      'placement to terminal status, DDSketch with 1 % relative accuracy; null when no saga ended',
    ),
    failureRate: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .describe('(rejected + cancelled) / orders that ended; null when none ended'),
    late: Count.describe(
      'events that arrived in the window for a window already closed (beyond the allowed lateness): counted here, not placed',
    ),
    stockouts: Count.describe('order lines refused for want of stock'),
    payments: z.object({
      captures: Count,
      captured: MoneySchema,
      refunds: Count,
      refunded: MoneySchema,
    }),
    minutes: z.array(MinuteSchema).describe('the window minute by minute, oldest first'),
  })
  .meta({ id: 'RegionAnalytics' });
export type RegionAnalytics = z.infer<typeof RegionAnalyticsSchema>;

/**
 * Lifetime totals of one region's aggregator, for `/metrics`: monotonic
 * counters (they never reset, since they live in the Durable Object, not in
 * an isolate) and a saga-latency histogram with fixed bounds, which
 * Prometheus can sum across regions (quantiles of the recent past come from
 * the windows' sketches instead).
 */

import { counterSample } from '@common/metrics/samples';
import type { Region } from '@common/regions';
import type { MetricSample } from '@common/rpc';
import {
  addMoney,
  COUNT_NAMES,
  type CountName,
  MONEY_KINDS,
  type MoneyTable,
  type Observation,
} from './observe';

/** Upper bounds (seconds) of the latency histogram's buckets. */
export const LATENCY_BOUNDS_S = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;

export type Outcome = 'applied' | 'late' | 'duplicate';

export interface TotalsJson {
  counts: Partial<Record<CountName, number>>;
  outcomes: Partial<Record<Outcome, number>>;
  money: MoneyTable;
  /** Non-cumulative count per bound of LATENCY_BOUNDS_S, then one above the last. */
  latency: number[];
  latency_sum_ms: number;
}

export const emptyTotals = (): TotalsJson => ({
  counts: {},
  outcomes: {},
  money: {},
  latency: LATENCY_BOUNDS_S.map(() => 0).concat(0),
  latency_sum_ms: 0,
});

export function countOutcome(totals: TotalsJson, outcome: Outcome): TotalsJson {
  totals.outcomes[outcome] = (totals.outcomes[outcome] ?? 0) + 1;
  return totals;
}

/** Adds a placed observation (late ones count only as an outcome: they are in no window). */
export function addToTotals(totals: TotalsJson, observation: Observation): TotalsJson {
  for (const name of COUNT_NAMES) {
    const by = observation.counts[name];
    if (by) totals.counts[name] = (totals.counts[name] ?? 0) + by;
  }
  for (const m of observation.money) addMoney(totals.money, m.kind, m.currency, m.amount);
  const ms = observation.latency_ms;
  if (ms !== undefined) {
    const index = LATENCY_BOUNDS_S.findIndex((bound) => ms / 1000 <= bound);
    const at = index === -1 ? LATENCY_BOUNDS_S.length : index;
    totals.latency[at] = (totals.latency[at] ?? 0) + 1;
    totals.latency_sum_ms += ms;
  }
  return totals;
}

/** Saga statuses as `/metrics` labels them, from the counts that record them. */
const SAGA_STATUS: ReadonlyArray<[CountName, string]> = [
  ['placed', 'PENDING'],
  ['confirmed', 'CONFIRMED'],
  ['rejected', 'REJECTED'],
  ['cancelled', 'CANCELLED'],
];

function latencySamples(totals: TotalsJson, region: Region): MetricSample[] {
  const name = 'meridian_saga_latency_seconds';
  const help =
    'Saga latency from placement to its terminal status (exactly once, from the events).';
  let cumulative = 0;
  const buckets = LATENCY_BOUNDS_S.map((bound, i) => {
    cumulative += totals.latency[i] ?? 0;
    return { le: String(bound), value: cumulative };
  });
  const count = totals.latency.reduce((s, n) => s + n, 0);
  const base = { name, help, type: 'histogram' as const };
  return [
    ...buckets.map(({ le, value }) => ({
      ...base,
      series: 'bucket' as const,
      labels: { region, le },
      value,
    })),
    { ...base, series: 'bucket', labels: { region, le: '+Inf' }, value: count },
    { ...base, series: 'sum', labels: { region }, value: totals.latency_sum_ms / 1000 },
    { ...base, series: 'count', labels: { region }, value: count },
  ];
}

/** The region's totals as `/metrics` series. */
export function totalsSamples(totals: TotalsJson, region: Region): MetricSample[] {
  const counter = (name: string, help: string, labels: Record<string, string>, value: number) =>
    counterSample(name, help, { region, ...labels }, value);
  return [
    ...SAGA_STATUS.map(([count, status]) =>
      counter(
        'meridian_sagas_total',
        'Sagas that reached each status (PENDING = placed), counted once from the saga events.',
        { status },
        totals.counts[count] ?? 0,
      ),
    ),
    ...(['applied', 'late', 'duplicate'] as const).map((outcome) =>
      counter(
        'meridian_analytics_events_total',
        'Events the analytics aggregator received: placed in a window, late, or a duplicate delivery.',
        { outcome },
        totals.outcomes[outcome] ?? 0,
      ),
    ),
    ...MONEY_KINDS.flatMap((kind) =>
      Object.entries(totals.money[kind] ?? {}).map(([currency, amount]) =>
        counter(
          'meridian_money_minor_total',
          'Money in minor units: revenue of confirmed orders, payments captured and refunded.',
          { kind, currency },
          amount,
        ),
      ),
    ),
    ...(
      [
        ['fast_path', 'replies_fast_path'],
        ['queue', 'replies_queue'],
      ] as const
    ).map(([via, count]) =>
      counter(
        'meridian_saga_replies_total',
        'Command replies of ended sagas, by how they came: the fast path (direct call) or a queue (its fallback, or the flag off).',
        { via },
        totals.counts[count] ?? 0,
      ),
    ),
    counter(
      'meridian_stockouts_total',
      'Order lines refused for want of stock.',
      {},
      totals.counts.stockouts ?? 0,
    ),
    ...latencySamples(totals, region),
  ];
}

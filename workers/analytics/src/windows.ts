/**
 * Event-time windows, without I/O. Every event belongs to the one-minute
 * bucket of its `occurredAt`; the tumbling one-minute window is one bucket,
 * the sliding five-minute window the merge of the last five (counts add,
 * the top-SKU summaries and latency sketches merge exactly).
 *
 * Lateness: a bucket accepts events until `lateness_ms` after it ends. An
 * event that arrives later (or claims a time further in the future than the
 * lateness, a clock that is off) is not placed: it increments `late` in the
 * bucket of its arrival, so an operator sees when late events came in.
 */
import {
  MINUTE_MS,
  type MinuteView,
  minuteOf,
  type RegionAnalytics,
} from '@common/contracts/analytics';
import { DDSketch, type SketchJson } from './ddsketch';
import {
  addMoney,
  COUNT_NAMES,
  type CountName,
  MONEY_KINDS,
  type MoneyKind,
  type MoneyTable,
  type Observation,
} from './observe';
import { type TopEntry, TopK } from './topk';

export interface WindowSettings {
  lateness_ms: number;
  /** DDSketch relative accuracy. */
  alpha: number;
  /** SKUs each bucket tracks (Space-Saving capacity). */
  skus_capacity: number;
  /** Currency `revenue` is reported in (the ledgers' currency). */
  currency: string;
}

/** Where an event arriving at `now` goes: its own minute, or counted late in the minute of `now`. */
export function placement(at: number, now: number, lateness_ms: number) {
  const minute = minuteOf(at);
  const closed = now >= minute + MINUTE_MS + lateness_ms;
  const fromTheFuture = at > now + lateness_ms;
  return closed || fromTheFuture ? { late: true, minute: minuteOf(now) } : { late: false, minute };
}

type Tally = CountName | 'late';

export interface BucketJson {
  minute: number;
  counts: Partial<Record<Tally, number>>;
  /** kind → currency → minor units. */
  money: MoneyTable;
  skus: TopEntry[];
  latency: SketchJson | null;
}

/** One minute of one region: counts, money, top SKUs and the latency sketch. */
export class Bucket {
  readonly minute: number;
  readonly counts: Partial<Record<Tally, number>> = {};
  readonly money: MoneyTable = {};
  readonly skus: TopK;
  readonly latency: DDSketch;

  constructor(minute: number, settings: WindowSettings) {
    this.minute = minute;
    this.skus = new TopK(settings.skus_capacity);
    this.latency = new DDSketch(settings.alpha);
  }

  #count(name: Tally, by: number): void {
    this.counts[name] = (this.counts[name] ?? 0) + by;
  }

  add(observation: Observation): this {
    for (const name of COUNT_NAMES) {
      const by = observation.counts[name];
      if (by) this.#count(name, by);
    }
    for (const m of observation.money) addMoney(this.money, m.kind, m.currency, m.amount);
    for (const line of observation.skus) this.skus.add(line.sku, line.quantity);
    if (observation.latency_ms !== undefined) this.latency.add(observation.latency_ms);
    return this;
  }

  addLate(): this {
    this.#count('late', 1);
    return this;
  }

  merge(other: Bucket): this {
    for (const [name, by] of Object.entries(other.counts) as Array<[Tally, number]>)
      this.#count(name, by);
    for (const kind of MONEY_KINDS)
      for (const [currency, amount] of Object.entries(other.money[kind] ?? {}))
        addMoney(this.money, kind, currency, amount);
    this.skus.merge(other.skus);
    this.latency.merge(other.latency);
    return this;
  }

  toJSON(): BucketJson {
    return {
      minute: this.minute,
      counts: this.counts,
      money: this.money,
      skus: this.skus.toJSON(),
      latency: this.latency.count > 0 ? this.latency.toJSON() : null,
    };
  }

  static fromJSON(json: BucketJson, settings: WindowSettings): Bucket {
    const bucket = new Bucket(json.minute, settings);
    Object.assign(bucket.counts, json.counts);
    Object.assign(bucket.money, json.money);
    bucket.skus.merge(TopK.fromJSON(json.skus, settings.skus_capacity));
    if (json.latency) bucket.latency.merge(DDSketch.fromJSON(json.latency));
    return bucket;
  }
}

const round1 = (n: number | undefined) => (n === undefined ? null : Math.round(n * 10) / 10);

function moneyOf(bucket: Bucket, kind: MoneyKind, currency: string) {
  return { amount: bucket.money[kind]?.[currency] ?? 0, currency };
}

function latencyOf(bucket: Bucket) {
  return {
    p50: round1(bucket.latency.quantile(0.5)),
    p99: round1(bucket.latency.quantile(0.99)),
    count: bucket.latency.count,
  };
}

function minuteView(bucket: Bucket, currency: string): MinuteView {
  const c = bucket.counts;
  return {
    from: new Date(bucket.minute).toISOString(),
    orders: c.placed ?? 0,
    confirmed: c.confirmed ?? 0,
    cancelled: c.cancelled ?? 0,
    rejected: c.rejected ?? 0,
    revenue: moneyOf(bucket, 'revenue', currency),
    late: c.late ?? 0,
    sagaLatencyMs: latencyOf(bucket),
  };
}

/**
 * The window of `minutes` (oldest first, each a stored bucket or missing =
 * empty) as the API shows one region.
 */
export function summarize(
  minutes: readonly number[],
  stored: ReadonlyMap<number, Bucket>,
  settings: WindowSettings,
  top_skus: number,
): RegionAnalytics {
  const all = new Bucket(minutes[0] ?? 0, settings);
  const perMinute = minutes.map((m) => stored.get(m) ?? new Bucket(m, settings));
  for (const bucket of perMinute) all.merge(bucket);
  const c = all.counts;
  const ended = (c.confirmed ?? 0) + (c.rejected ?? 0) + (c.cancelled ?? 0);
  const { currency } = settings;
  const { from: _from, ...totals } = minuteView(all, currency);
  return {
    ...totals,
    revenueByCurrency: Object.entries(all.money.revenue ?? {}).map(([cur, amount]) => ({
      amount,
      currency: cur,
    })),
    topSkus: all.skus
      .top(top_skus)
      .map(({ sku, quantity, error }) => (error ? { sku, quantity, error } : { sku, quantity })),
    failureRate: ended === 0 ? null : ((c.rejected ?? 0) + (c.cancelled ?? 0)) / ended,
    stockouts: c.stockouts ?? 0,
    payments: {
      captures: c.captures ?? 0,
      captured: moneyOf(all, 'captured', currency),
      refunds: c.refunds ?? 0,
      refunded: moneyOf(all, 'refunded', currency),
    },
    minutes: perMinute.map((b) => minuteView(b, currency)),
  };
}

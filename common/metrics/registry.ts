/**
 * A small in-memory metrics registry. Values live in the isolate that
 * recorded them: a scrape sees one isolate, so dashboards sum across scrapes
 * and treat resets as restarts (counters are monotonic per isolate, as
 * Prometheus expects). Metrics answer as `MetricSample`s, the shape every
 * service's `metrics()` RPC returns; `renderPrometheus` turns them into text.
 */

import { type FamilyDescriptor, renderPrometheus } from './prometheus';
import type { MetricSample, MetricType } from './types';

type Labels = Readonly<Record<string, string>>;

interface Series<V> {
  labels: Labels;
  value: V;
}

export interface Sample {
  labels: Labels;
  value: number;
}

/** Bounds the number of label combinations a metric keeps (no unbounded growth). */
const SERIES_MAX = 2000;

abstract class Metric<V> {
  protected readonly series = new Map<string, Series<V>>();
  abstract readonly type: MetricType;
  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  protected entry(labels: Labels, initial: () => V): Series<V> | undefined {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let found = this.series.get(key);
    if (!found) {
      if (this.series.size >= SERIES_MAX) return undefined;
      const ordered = Object.fromEntries(this.labelNames.map((n) => [n, labels[n] ?? '']));
      found = { labels: ordered, value: initial() };
      this.series.set(key, found);
    }
    return found;
  }

  abstract samples(): MetricSample[];
}

export class Counter extends Metric<number> {
  readonly type = 'counter';
  inc(labels: Labels = {}, by = 1): void {
    const series = this.entry(labels, () => 0);
    if (series) series.value += by;
  }

  get(labels: Labels = {}): number {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    return this.series.get(key)?.value ?? 0;
  }

  samples(): MetricSample[] {
    const { name, help } = this;
    return [...this.series.values()].map(({ labels, value }) => ({
      name,
      help,
      type: 'counter',
      labels,
      value,
    }));
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramValue> {
  readonly type = 'histogram';
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    readonly buckets: readonly number[],
  ) {
    super(name, help, labelNames);
  }

  observe(labels: Labels, value: number): void {
    const series = this.entry(labels, () => ({
      counts: this.buckets.map(() => 0),
      sum: 0,
      count: 0,
    }));
    if (!series) return;
    const index = this.buckets.findIndex((bound) => value <= bound);
    if (index >= 0) series.value.counts[index] = (series.value.counts[index] ?? 0) + 1;
    series.value.sum += value;
    series.value.count++;
  }

  samples(): MetricSample[] {
    const base = { name: this.name, help: this.help, type: 'histogram' as const };
    return [...this.series.values()].flatMap(({ labels, value }) => {
      let cumulative = 0;
      const buckets = this.buckets.map((bound, i) => {
        cumulative += value.counts[i] ?? 0;
        return { bound: String(bound), value: cumulative };
      });
      buckets.push({ bound: '+Inf', value: value.count });
      return [
        ...buckets.map(({ bound, value: n }) => ({
          ...base,
          series: 'bucket' as const,
          labels: { ...labels, le: bound },
          value: n,
        })),
        { ...base, series: 'sum' as const, labels, value: value.sum },
        { ...base, series: 'count' as const, labels, value: value.count },
      ];
    });
  }
}

/** A gauge read at scrape time from the state it describes. */
export class GaugeFn {
  readonly type = 'gauge';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect: () => Sample[],
  ) {}

  samples(): MetricSample[] {
    const { name, help } = this;
    return this.collect().map(({ labels, value }) => ({
      name,
      help,
      type: 'gauge',
      labels,
      value,
    }));
  }
}

type AnyMetric = FamilyDescriptor & { samples(): MetricSample[] };

export class MetricsRegistry {
  readonly #metrics: AnyMetric[] = [];

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.#add(new Counter(name, help, labelNames));
  }

  histogram(
    name: string,
    help: string,
    labelNames: readonly string[],
    buckets: readonly number[],
  ): Histogram {
    return this.#add(new Histogram(name, help, labelNames, buckets));
  }

  gauge(name: string, help: string, collect: () => Sample[]): GaugeFn {
    return this.#add(new GaugeFn(name, help, collect));
  }

  samples(): MetricSample[] {
    return this.#metrics.flatMap((m) => m.samples());
  }

  /** Every declared metric, also those without a series yet (they render HELP and TYPE). */
  describe(): FamilyDescriptor[] {
    return this.#metrics.map(({ name, help, type }) => ({ name, help, type }));
  }

  render(): string {
    return renderPrometheus(this.samples(), this.describe());
  }

  #add<M extends AnyMetric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }
}

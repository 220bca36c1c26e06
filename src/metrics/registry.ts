/**
 * A small in-memory metrics registry rendered in the Prometheus text format
 * (version 0.0.4). Values live in the isolate that recorded them: a scrape
 * sees one isolate, so dashboards sum across scrapes and treat resets as
 * restarts (counters are monotonic per isolate, as Prometheus expects).
 */

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

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatLabels(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  if (pairs.length === 0) return '';
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function formatNumber(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  return Number.isInteger(value) ? String(value) : value.toPrecision(6).replace(/\.?0+$/, '');
}

abstract class Metric<V> {
  protected readonly series = new Map<string, Series<V>>();
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

  abstract render(): string[];
}

export class Counter extends Metric<number> {
  inc(labels: Labels = {}, by = 1): void {
    const series = this.entry(labels, () => 0);
    if (series) series.value += by;
  }

  get(labels: Labels = {}): number {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    return this.series.get(key)?.value ?? 0;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const { labels, value } of this.series.values()) {
      lines.push(`${this.name}${formatLabels(labels)} ${formatNumber(value)}`);
    }
    return lines;
  }
}

interface HistogramValue {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram extends Metric<HistogramValue> {
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

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const { labels, value } of this.series.values()) {
      let cumulative = 0;
      this.buckets.forEach((bound, i) => {
        cumulative += value.counts[i] ?? 0;
        lines.push(
          `${this.name}_bucket${formatLabels(labels, ['le', formatNumber(bound)])} ${cumulative}`,
        );
      });
      lines.push(`${this.name}_bucket${formatLabels(labels, ['le', '+Inf'])} ${value.count}`);
      lines.push(`${this.name}_sum${formatLabels(labels)} ${formatNumber(value.sum)}`);
      lines.push(`${this.name}_count${formatLabels(labels)} ${value.count}`);
    }
    return lines;
  }
}

/** A gauge read at scrape time from the state it describes. */
export class GaugeFn {
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly collect: () => Sample[],
  ) {}

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    for (const { labels, value } of this.collect()) {
      lines.push(`${this.name}${formatLabels(labels)} ${formatNumber(value)}`);
    }
    return lines;
  }
}

export class MetricsRegistry {
  readonly #metrics: { render(): string[] }[] = [];

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

  render(): string {
    return `${this.#metrics.flatMap((m) => m.render()).join('\n')}\n`;
  }

  #add<M extends { render(): string[] }>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }
}

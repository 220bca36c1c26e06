/**
 * Reading `/metrics` (Prometheus text format 0.0.4) in the page: samples,
 * sums over label sets, and quantiles of histograms between two scrapes
 * (as `histogram_quantile(q, increase(..._bucket[interval]))` computes
 * them), so the console plots request rate and p50/p99 without a
 * Prometheus server. Counters are per isolate and restart with a new one:
 * a counter lower than before is a reset, and its new value is the increase.
 */

export type Labels = Record<string, string>;

export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

export type Match = (labels: Labels) => boolean;
const all: Match = () => true;

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const unescapeLabel = (value: string): string =>
  value.replace(/\\(.)/g, (_m, c: string) => (c === 'n' ? '\n' : c));

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

export function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const match = LINE.exec(line);
    if (!match) continue;
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Labels = {};
    for (const [, key = '', v = ''] of labelText.matchAll(LABEL)) labels[key] = unescapeLabel(v);
    samples.push({ name, labels, value: parseValue(value) });
  }
  return samples;
}

/** The sum of every series of `name` that matches, or undefined when there is none. */
export function total(samples: Sample[], name: string, match: Match = all): number | undefined {
  let sum: number | undefined;
  for (const s of samples) {
    if (s.name === name && match(s.labels)) sum = (sum ?? 0) + s.value;
  }
  return sum;
}

/** Combines the matching series of `name` per value of the label `by`. */
function reduceBy(
  samples: Sample[],
  name: string,
  by: string,
  match: Match,
  combine: (sofar: number | undefined, value: number) => number,
): Map<string, number> {
  const groups = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || !match(s.labels)) continue;
    const key = s.labels[by] ?? '';
    groups.set(key, combine(groups.get(key), s.value));
  }
  return groups;
}

/** Sums by the value of one label. */
export const totalBy = (samples: Sample[], name: string, by: string, match: Match = all) =>
  reduceBy(samples, name, by, match, (sofar, value) => (sofar ?? 0) + value);

/** The largest value of each group (ages, gauges reported by several isolates). */
export const maxBy = (samples: Sample[], name: string, by: string, match: Match = all) =>
  reduceBy(samples, name, by, match, (sofar, value) => Math.max(sofar ?? value, value));

/** A histogram's cumulative buckets, summed over the matching series: [upper bound, count]. */
export type Buckets = Array<[number, number]>;

export function histogram(samples: Sample[], name: string, match: Match = all): Buckets {
  const byBound = new Map<number, number>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket` || !match(s.labels)) continue;
    const le = parseValue(s.labels.le ?? '+Inf');
    byBound.set(le, (byBound.get(le) ?? 0) + s.value);
  }
  return [...byBound.entries()].sort((a, b) => a[0] - b[0]);
}

/** A counter's increase between two readings; a lower reading is a reset. */
export const increase = (now: number, before: number | undefined): number =>
  before === undefined || now < before ? now : now - before;

/** Bucket increases between two scrapes (a reset anywhere: the new counts). */
export function bucketIncrease(now: Buckets, before: Buckets): Buckets {
  const previous = new Map(before);
  const reset = now.some(([le, count]) => count < (previous.get(le) ?? 0));
  return now.map(([le, count]) => [le, reset ? count : count - (previous.get(le) ?? 0)]);
}

/**
 * The q-quantile of cumulative buckets, interpolated linearly inside the
 * bucket it falls in (Prometheus' histogram_quantile); null without
 * observations. A quantile in the +Inf bucket is the largest finite bound.
 */
export function quantile(q: number, buckets: Buckets): number | null {
  const count = buckets.at(-1)?.[1] ?? 0;
  if (count <= 0) return null;
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, cumulative] of buckets) {
    if (cumulative >= rank) {
      if (le === Number.POSITIVE_INFINITY) return lowerBound;
      const inBucket = cumulative - lowerCount;
      return inBucket > 0 ? lowerBound + (le - lowerBound) * ((rank - lowerCount) / inBucket) : le;
    }
    lowerBound = le;
    lowerCount = cumulative;
  }
  return lowerBound;
}

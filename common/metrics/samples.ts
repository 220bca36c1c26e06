/** One-line constructors of `MetricSample`s, for metrics read from state at scrape time. */
import type { MetricSample } from '../rpc';

type Labels = Readonly<Record<string, string>>;

export function gaugeSample(
  name: string,
  help: string,
  labels: Labels,
  value: number,
): MetricSample {
  return { name, help, type: 'gauge', labels, value };
}

/** A counter kept by durable state (it never resets), read at scrape time. */
export function counterSample(
  name: string,
  help: string,
  labels: Labels,
  value: number,
): MetricSample {
  return { name, help, type: 'counter', labels, value };
}

/** Seconds since `at` (epoch ms), 0 when there is nothing: the age of the oldest waiting thing. */
export const ageSeconds = (at: number | null | undefined, now = Date.now()): number =>
  at === null || at === undefined ? 0 : Math.max(0, Math.floor((now - at) / 1000));

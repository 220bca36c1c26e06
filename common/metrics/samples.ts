/** One-line constructors of `MetricSample`s, for metrics read from state at scrape time. */
import type { Region } from '../regions';
import type { MetricSample } from './types';

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

/** The earliest of some times (epoch ms), null when none. */
export const earliest = (times: ReadonlyArray<number | null>): number | null =>
  times.reduce<number | null>(
    (min, t) => (t !== null && (min === null || t < min) ? t : min),
    null,
  );

/**
 * Samples of every region at once: `read` asks a region's store, `samples`
 * turns its answer into series. A region whose store fails is left out, so
 * its absence shows rather than a false zero.
 */
export async function perRegion<T>(
  regions: readonly Region[],
  read: (region: Region) => Promise<T>,
  samples: (region: Region, value: T) => MetricSample[],
): Promise<MetricSample[]> {
  const answers = await Promise.allSettled(regions.map((region) => read(region)));
  return answers.flatMap((answer, i) => {
    const region = regions[i];
    return answer.status === 'fulfilled' && region ? samples(region, answer.value) : [];
  });
}

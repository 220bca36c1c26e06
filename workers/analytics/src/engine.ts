/**
 * The production path to Workers Analytics Engine: where the worker has an
 * `[[analytics_engine_datasets]]` binding, every counted event is also one
 * data point, queryable with the SQL API over months (the Durable Object
 * windows keep an hour and stay the source of truth of the admin API).
 * No customer or order id is written: the region is the sampling index.
 *
 * Columns (docs/operations.md has queries):
 *   index1 = region
 *   blob1 = region, blob2 = kind (`order.CONFIRMED`, `payment.captured`, …),
 *   blob3 = currency ('' when none), blob4 = 'late' | 'placed'
 *   double1 = 1 (count), double2 = amount in minor units,
 *   double3 = saga latency ms (0 when none), double4 = units (order lines)
 *
 * Written after the aggregator committed and only for a first delivery, so
 * a data point is written at most once per event (a crash in between loses
 * the point, never doubles it; the windows still count it).
 */
import { isolateMetrics } from '@common/metrics/isolate';
import type { Observation } from './observe';

export const enginePoints = isolateMetrics.counter(
  'meridian_analytics_engine_points_total',
  'Data points this isolate wrote to Workers Analytics Engine, by outcome (written, failed).',
  ['outcome'],
);

export function dataPointOf(observation: Observation, late: boolean): AnalyticsEngineDataPoint {
  const money = observation.money[0];
  const units = observation.skus.reduce((sum, line) => sum + line.quantity, 0);
  return {
    indexes: [observation.region],
    blobs: [observation.region, observation.kind, money?.currency ?? '', late ? 'late' : 'placed'],
    doubles: [1, money?.amount ?? 0, observation.latency_ms ?? 0, units],
  };
}

/** Writes the observation's data point when a dataset is bound; a failure is counted, never thrown. */
export function writeDataPoint(
  dataset: AnalyticsEngineDataset | undefined,
  observation: Observation,
  late: boolean,
): boolean {
  if (!dataset) return false;
  try {
    dataset.writeDataPoint(dataPointOf(observation, late));
    enginePoints.inc({ outcome: 'written' });
    return true;
  } catch {
    enginePoints.inc({ outcome: 'failed' });
    return false;
  }
}

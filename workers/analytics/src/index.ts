/**
 * Analytics service: consumes the domain events that fan out to it (orders,
 * payments, inventory), applies each once to its region's WindowAggregator,
 * writes it to Analytics Engine where bound, and answers the windows and the
 * totals over RPC (`window`, `metrics`) for the gateway.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { type ConsumeOutcome, consumeBatch, consumerOptions } from '@common/consumer';
import {
  ANALYTICS_QUEUE,
  ANALYTICS_WINDOWS,
  type AnalyticsWindow,
  type RegionAnalytics,
  TOP_SKUS_MAX,
} from '@common/contracts/analytics';
import type { Envelope } from '@common/envelope';
import { isolateSamples } from '@common/metrics/isolate';
import { gaugeSample, perRegion } from '@common/metrics/samples';
import { isRegion, REGIONS, type Region, regionalStub } from '@common/regions';
import { type HealthReport, healthReport, type MetricSample } from '@common/rpc';
import type { WindowAggregator } from './aggregator';
import { writeDataPoint } from './engine';
import { observe } from './observe';
import { totalsSamples } from './totals';

export { WindowAggregator } from './aggregator';

/** The region a queue carries (null: the one global queue), or an error for a queue this worker does not own. */
function queueRegion(queue: string): Region | null {
  if (queue === ANALYTICS_QUEUE) return null;
  const suffix = queue.startsWith(`${ANALYTICS_QUEUE}-`)
    ? queue.slice(ANALYTICS_QUEUE.length + 1)
    : '';
  if (isRegion(suffix)) return suffix;
  throw new Error(`analytics does not consume ${queue}`);
}

export default class AnalyticsService extends WorkerEntrypoint<AnalyticsEnv> {
  #aggregator(region: Region): DurableObjectStub<WindowAggregator> {
    return regionalStub(this.env.ANALYTICS_WINDOWS, region, 'windows');
  }

  /** One region's window of `kind` ending with the minute of `at` (epoch ms), top SKUs up to `top`. */
  async window(
    region: Region,
    kind: AnalyticsWindow,
    at: number,
    top: number,
  ): Promise<RegionAnalytics> {
    if (!isRegion(region)) throw new Error(`unknown region ${String(region)}`);
    if (!ANALYTICS_WINDOWS.includes(kind)) throw new Error(`unknown window ${String(kind)}`);
    const topSkus = Math.min(Math.max(Math.trunc(top) || 0, 0), TOP_SKUS_MAX);
    return this.#aggregator(region).window(kind, at, topSkus);
  }

  async health(): Promise<HealthReport> {
    const probes = Object.fromEntries(
      REGIONS.map((region) => [`aggregator:${region}`, () => this.#aggregator(region).totals()]),
    );
    return healthReport('analytics', probes);
  }

  /** Each region's lifetime totals (exact, from its aggregator) and this isolate's own metrics. */
  async metrics(): Promise<MetricSample[]> {
    const answered = new Set<Region>();
    const totals = await perRegion(
      REGIONS,
      (region) => this.#aggregator(region).totals(),
      (region, value) => {
        answered.add(region);
        return totalsSamples(value, region);
      },
    );
    const up = REGIONS.map((region) =>
      gaugeSample(
        'meridian_analytics_region_up',
        'Whether the region’s aggregator answered this scrape (1) or not (0).',
        { region },
        answered.has(region) ? 1 : 0,
      ),
    );
    return [...isolateSamples(), ...up, ...totals];
  }

  async #ingest(envelope: Envelope, queue: string): Promise<ConsumeOutcome> {
    // Residency: a region's queue carries only that region's events.
    const carried = queueRegion(queue);
    if (carried !== null && carried !== envelope.region)
      throw new Error(`event ${envelope.id} of region ${envelope.region} arrived on ${queue}`);
    const observation = observe(envelope);
    if (!observation) return 'ignored';
    const outcome = await this.#aggregator(envelope.region).ingest(observation);
    if (outcome === 'duplicate') return 'duplicate';
    writeDataPoint(this.env.ORDER_ANALYTICS, observation, outcome === 'late');
    return 'applied';
  }

  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    queueRegion(batch.queue);
    await consumeBatch(
      batch,
      (envelope) => this.#ingest(envelope, batch.queue),
      consumerOptions('analytics', this.env),
    );
  }
}

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
import { isRegion, queueRegion, REGIONS, type Region, regionalStub } from '@common/regions';
import { type HealthReport, healthReport, type MetricSample } from '@common/rpc';
import type { WindowAggregator } from './aggregator';
import { writeDataPoint } from './engine';
import { observe } from './observe';
import { totalsSamples } from './totals';

export { WindowAggregator } from './aggregator';

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

  /** Residency: consumeBatch has refused an envelope of another region than its queue's. */
  async #ingest(envelope: Envelope): Promise<ConsumeOutcome> {
    const observation = observe(envelope);
    if (!observation) return 'ignored';
    const outcome = await this.#aggregator(envelope.region).ingest(observation);
    if (outcome === 'duplicate') return 'duplicate';
    writeDataPoint(this.env.ORDER_ANALYTICS, observation, outcome === 'late');
    return 'applied';
  }

  /** The analytics topic, one queue per region (`meridian-analytics-events-<region>`). */
  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    const { topic, region } = queueRegion(batch.queue);
    if (topic !== ANALYTICS_QUEUE || region === null)
      throw new Error(`analytics does not consume ${batch.queue}`);
    await consumeBatch(
      batch,
      (envelope) => this.#ingest(envelope),
      consumerOptions('analytics', this.env),
    );
  }
}

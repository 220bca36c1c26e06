/**
 * The system's metrics in one scrape: every service's `metrics()` RPC is
 * asked at once, each with a short deadline, so a slow or failing service
 * never holds `/metrics`; its absence is itself a series
 * (`meridian_scrape_up{service} 0`). Every sample is labelled with the
 * service that answered and a region: its own (data kept per region), else
 * the region of the isolate that answered it (service bindings run the
 * callee next to the gateway, so that is the gateway's serving region).
 *
 * Not through the upstream layer (breakers, retries, fault injection): a
 * scrape reports each service as it is, like the readiness probe.
 */
import { errorMessage, type Logger } from '@common/log';
import { gaugeSample } from '@common/metrics/samples';
import type { Region } from '@common/regions';
import { withDeadline } from '@common/resilience';
import type { MetricSample } from '@common/rpc';
import { SERVICE_NAMES } from '../upstream/services';

export type Scraper = () => Promise<MetricSample[]>;

/** The services behind the gateway (readiness probes them too) and those only scraped. */
export const SCRAPED_SERVICES = [...SERVICE_NAMES, 'analytics'] as const;
export type ScrapedService = (typeof SCRAPED_SERVICES)[number];

/** Every service that answers `metrics()`, by the name its series carry. */
export function serviceScrapers(env: GatewayEnv): Record<ScrapedService, Scraper> {
  return {
    identity: () => env.IDENTITY.metrics(),
    catalog: () => env.CATALOG.metrics(),
    inventory: () => env.INVENTORY.metrics(),
    payments: () => env.PAYMENTS.metrics(),
    orders: () => env.ORDERS.metrics(),
    notifications: () => env.NOTIFICATIONS.metrics(),
    carts: () => env.CARTS.metrics(),
    preferences: () => env.PREFERENCES.metrics(),
    analytics: () => env.ANALYTICS.metrics(),
  };
}

export interface ScrapeOptions {
  timeout_ms: number;
  /** Where the answering isolates run: the region of samples that name none. */
  region: Region;
  log?: Logger;
}

/** `sample` as the gateway renders it: with `service`, and a `region` unless it has its own. */
export function labelled(sample: MetricSample, service: string, region: Region): MetricSample {
  return { ...sample, labels: { service, region, ...sample.labels } };
}

export async function scrapeServices(
  scrapers: Record<string, Scraper>,
  { timeout_ms, region, log }: ScrapeOptions,
): Promise<MetricSample[]> {
  const answers = await Promise.all(
    Object.entries(scrapers).map(async ([service, scrape]) => {
      const started = performance.now();
      try {
        const samples = await withDeadline(`metrics of ${service}`, timeout_ms, undefined, scrape);
        return { service, up: 1, samples, seconds: (performance.now() - started) / 1000 };
      } catch (error) {
        log?.warn('metrics.scrape_failed', { service, error: errorMessage(error) });
        return { service, up: 0, samples: [], seconds: (performance.now() - started) / 1000 };
      }
    }),
  );
  return [
    ...answers.map(({ service, up }) =>
      gaugeSample(
        'meridian_scrape_up',
        'Whether the service answered this scrape within the deadline (1) or not (0).',
        { service, region },
        up,
      ),
    ),
    ...answers.map(({ service, seconds }) =>
      gaugeSample(
        'meridian_scrape_duration_seconds',
        'How long the service took to answer this scrape (the deadline when it did not).',
        { service, region },
        Math.round(seconds * 1000) / 1000,
      ),
    ),
    ...answers.flatMap(({ service, samples }) => samples.map((s) => labelled(s, service, region))),
  ];
}

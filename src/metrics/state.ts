/**
 * Gauges read at scrape time from the state they describe: breaker state
 * per upstream (one series per state, 1 for the current one), bulkhead
 * occupancy, and requests in flight.
 */

import { isolateAgeSeconds } from '@common/metrics/isolate';
import type { Sample } from '@common/metrics/registry';
import type { BreakerState } from '@common/resilience';
import { SERVICE_NAMES } from '../upstream/services';
import { inFlightRequests } from '../upstream/shed';
import { gatewayUpstreams } from '../upstream/upstream';
import { metrics } from './gateway';

const STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

function upstreamNames(): string[] {
  return [...new Set([...SERVICE_NAMES, ...gatewayUpstreams().names()])];
}

function perUpstream(read: (upstream: string) => Sample[]): () => Sample[] {
  return () => upstreamNames().flatMap(read);
}

metrics.gauge(
  'meridian_breaker_state',
  'Circuit breaker state per upstream in this isolate (1 = current state).',
  perUpstream((upstream) => {
    const current = gatewayUpstreams().status(upstream).breaker;
    return STATES.map((state) => ({
      labels: { upstream, state },
      value: Number(state === current),
    }));
  }),
);

metrics.gauge(
  'meridian_upstream_in_flight',
  'Upstream calls holding a bulkhead slot.',
  perUpstream((upstream) => [
    { labels: { upstream }, value: gatewayUpstreams().status(upstream).inFlight },
  ]),
);

metrics.gauge(
  'meridian_upstream_queued',
  'Upstream calls waiting in the bulkhead queue.',
  perUpstream((upstream) => [
    { labels: { upstream }, value: gatewayUpstreams().status(upstream).queued },
  ]),
);

metrics.gauge('meridian_http_in_flight', 'Requests this isolate is working on.', () => [
  { labels: {}, value: inFlightRequests() },
]);

metrics.gauge(
  'meridian_isolate_uptime_seconds',
  'Age of the isolate these metrics come from (a reset means a new isolate).',
  () => [{ labels: {}, value: isolateAgeSeconds() }],
);

export { metrics };

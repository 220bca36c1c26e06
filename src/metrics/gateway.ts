/**
 * The gateway's metrics (per isolate; see registry.ts) and the observer that
 * feeds them from the upstream-call layer. Route labels are route patterns
 * (`/v1/products/:id`), never raw paths, so cardinality stays bounded.
 */

import { MetricsRegistry } from '@common/metrics/registry';
import type { UpstreamObserver } from '@common/resilience';

export const metrics = new MetricsRegistry();

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const httpRequests = metrics.counter(
  'meridian_http_requests_total',
  'HTTP requests answered by this isolate, by route pattern and status.',
  ['method', 'route', 'status'],
);

export const httpDuration = metrics.histogram(
  'meridian_http_request_duration_seconds',
  'HTTP request latency in this isolate, by route pattern.',
  ['method', 'route'],
  SECONDS,
);

export const rateLimitRefusals = metrics.counter(
  'meridian_rate_limit_refusals_total',
  'Requests refused with 429 (rate limits and login throttling), by route pattern.',
  ['route'],
);

export const shedRequests = metrics.counter(
  'meridian_http_shed_total',
  'Requests refused with 503 by load shedding before any upstream call.',
);

export const upstreamCalls = metrics.counter(
  'meridian_upstream_calls_total',
  'Upstream calls by outcome (ok, failed, timeout, circuit_open, bulkhead_full), after retries.',
  ['upstream', 'outcome'],
);

export const upstreamDuration = metrics.histogram(
  'meridian_upstream_call_duration_seconds',
  'Upstream call latency including retries and queueing.',
  ['upstream'],
  SECONDS,
);

export const upstreamRetries = metrics.counter(
  'meridian_upstream_retries_total',
  'Retries of idempotent upstream calls.',
  ['upstream'],
);

export const upstreamFallbacks = metrics.counter(
  'meridian_upstream_fallbacks_total',
  'Failed upstream calls answered by a fallback (e.g. a stale copy).',
  ['upstream'],
);

export const breakerTransitions = metrics.counter(
  'meridian_breaker_transitions_total',
  'Circuit breaker state changes.',
  ['upstream', 'from', 'to'],
);

export const edgeCacheReads = metrics.counter(
  'meridian_edge_cache_reads_total',
  "Catalog reads through the gateway's edge cache: hit (no catalog call), miss, or off (flag catalog.edge_cache).",
  ['kind', 'result'],
);

export const healthProbeRounds = metrics.counter(
  'meridian_health_probe_rounds_total',
  'Readiness fan-outs to every service; at most one per HEALTH_CACHE_MS however many ask.',
);

export const faultsInjected = metrics.counter(
  'meridian_faults_injected_total',
  'Faults injected by operator rules, by target and kind.',
  ['target', 'kind'],
);

export const upstreamObserver: UpstreamObserver = {
  onCall(upstream, outcome, duration_ms) {
    upstreamCalls.inc({ upstream, outcome });
    upstreamDuration.observe({ upstream }, duration_ms / 1000);
  },
  onRetry(upstream) {
    upstreamRetries.inc({ upstream });
  },
  onTransition(upstream, from, to) {
    breakerTransitions.inc({ upstream, from, to });
  },
  onFault(target, kind) {
    faultsInjected.inc({ target, kind });
  },
  onFallback(upstream) {
    upstreamFallbacks.inc({ upstream });
  },
};

/**
 * The metrics every worker keeps about its own isolate, answered by its
 * `metrics()` RPC (and by the gateway for itself): how old the isolate is,
 * and what its queue consumers did. Per isolate, like the gateway's own
 * counters: a new isolate starts from zero, which `process_uptime_seconds`
 * (an age, not a timestamp) makes visible.
 */

import { workerVersion } from '../version';
import { MetricsRegistry } from './registry';
import type { MetricSample } from './types';

export const isolateMetrics = new MetricsRegistry();

/**
 * When this isolate began work. Not read at module load: Workers freeze the
 * clock outside a request (Date.now() is 0 there), so the first request,
 * message or scrape the isolate handles sets it, just after the isolate
 * started.
 */
let started: number | undefined;

/** Marks the isolate as working (idempotent); call on every entry point. */
export function markIsolateStarted(): void {
  started ??= Date.now();
}

/** Seconds since this isolate began work: an age, so a drop means a new isolate. */
export function isolateAgeSeconds(): number {
  markIsolateStarted();
  return Math.floor((Date.now() - (started ?? Date.now())) / 1000);
}

isolateMetrics.gauge(
  'process_uptime_seconds',
  'Age of the isolate that answered, in seconds (a drop means a new isolate; its counters start again).',
  () => [{ labels: {}, value: isolateAgeSeconds() }],
);

isolateMetrics.gauge(
  'meridian_version_info',
  'The worker version that answered (1): during a gradual deployment two versions answer side by side.',
  () => {
    const { id, tag } = workerVersion();
    return [{ labels: { version: id, tag }, value: 1 }];
  },
);

/** Queue deliveries by consumer outcome; `failed` and `dead_lettered` are the consumer failures. */
export const queueMessages = isolateMetrics.counter(
  'meridian_queue_messages_total',
  'Queue deliveries handled by this isolate, by queue and outcome (applied, duplicate, ignored, failed, dead_lettered).',
  ['queue', 'outcome'],
);

/** This isolate's samples, for a service's `metrics()` answer. */
export function isolateSamples(): MetricSample[] {
  return isolateMetrics.samples();
}

/**
 * The metrics every worker keeps about its own isolate, answered by its
 * `metrics()` RPC (and by the gateway for itself): how old the isolate is,
 * and what its queue consumers did. Per isolate, like the gateway's own
 * counters: a new isolate starts from zero, which `process_uptime_seconds`
 * (an age, not a timestamp) makes visible.
 */
import type { MetricSample } from '../rpc';
import { MetricsRegistry } from './registry';

export const isolateMetrics = new MetricsRegistry();

const started = Date.now();

isolateMetrics.gauge(
  'process_uptime_seconds',
  'Age of the isolate that answered (a drop means a new isolate; its counters start again).',
  () => [{ labels: {}, value: Math.floor((Date.now() - started) / 1000) }],
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

/**
 * Counts every request by route pattern and status and records its latency
 * (and every 429 as a rate-limit refusal). Runs early so shed and failed
 * requests are counted too.
 */
import { markIsolateStarted } from '@common/metrics/isolate';
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { GatewayBindings } from '../context';
import { httpDuration, httpRequests, rateLimitRefusals } from './gateway';

/**
 * @example app.use(httpMetrics())
 */
export function httpMetrics(): MiddlewareHandler<GatewayBindings> {
  return async function httpMetricsMiddleware(c, next) {
    markIsolateStarted();
    const started = performance.now();
    await next();
    // The most specific pattern matched (also when a middleware answered
    // first, e.g. shedding); only wildcards means no route: one label for all.
    const route = matchedRoutes(c).findLast((r) => !r.path.endsWith('*'))?.path ?? 'unmatched';
    const method = c.req.method;
    httpRequests.inc({ method, route, status: String(c.res.status) });
    httpDuration.observe({ method, route }, (performance.now() - started) / 1000);
    if (c.res.status === 429) rateLimitRefusals.inc({ route });
  };
}

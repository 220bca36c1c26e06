/**
 * Load shedding: the isolate counts the requests it is working on and,
 * above `SHED_IN_FLIGHT_MAX`, refuses new ones at once with 503 and
 * `Retry-After` — before authentication, parsing or any upstream call, so an
 * overloaded isolate spends almost nothing on work it cannot finish. Health,
 * metrics and admin routes are never shed: operators must see and act
 * during an overload. The count is per isolate, like the platform's limits.
 */

import { problem } from '@common/problem';
import { numberVar } from '@common/resilience/config';
import type { MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';
import { shedRequests } from '../metrics/gateway';

export interface ShedOptions {
  /** Fallback when the SHED_IN_FLIGHT_MAX var is unset. */
  in_flight_max?: number;
  retry_after_s?: number;
}

let inFlight = 0;

/** Requests this isolate is working on now. */
export function inFlightRequests(): number {
  return inFlight;
}

export function isNeverShed(path: string): boolean {
  return (
    path === '/health' ||
    path.startsWith('/health/') ||
    path === '/metrics' ||
    path.startsWith('/v1/admin/')
  );
}

/**
 * @example app.use(shed({ in_flight_max: 256 }))
 */
export function shed({
  in_flight_max = 256,
  retry_after_s = 1,
}: ShedOptions = {}): MiddlewareHandler<GatewayBindings> {
  return async function shedMiddleware(c, next) {
    if (isNeverShed(c.req.path)) return next();
    const limit = numberVar(c.env.SHED_IN_FLIGHT_MAX, in_flight_max, { min: 1 });
    if (inFlight >= limit) {
      shedRequests.inc();
      c.get('log').warn('http.shed', { inFlight, limit });
      throw problem(503, 'overloaded', 'the gateway is overloaded; try again shortly', {
        retryAfter: retry_after_s,
      });
    }
    inFlight++;
    try {
      await next();
    } finally {
      inFlight--;
    }
  };
}

/**
 * Where a request is served and whose data it touches, resolved once per
 * request (after authentication) and put on the context:
 * - `servingRegion`: the edge location's region — in development and tests
 *   only, `X-Meridian-Region` forces it; otherwise the continent Cloudflare
 *   reports, else `DEFAULT_REGION`. Replicas that accept local writes (carts)
 *   and registration without an explicit choice use it.
 * - `homeRegion`: the caller's home region (a claim of their token), else the
 *   serving region. A customer's ledger, sagas, orders and idempotency
 *   records live there, whatever edge the request arrives at.
 */

import { problem } from '@common/problem';
import { isRegion, type Region, regionForContinent } from '@common/regions';
import type { Context, MiddlewareHandler } from 'hono';
import type { GatewayBindings } from '../context';

export function canForceLocation(env: GatewayEnv): boolean {
  return env.ENVIRONMENT === 'development' || env.ENVIRONMENT === 'test';
}

export function fallbackRegion(env: GatewayEnv): Region {
  return isRegion(env.DEFAULT_REGION) ? env.DEFAULT_REGION : 'us';
}

/** The region of the edge location serving `c` (or the forced one where allowed). */
export function servingRegionOf(c: Context<GatewayBindings>): Region {
  const forced = c.req.header('x-meridian-region');
  if (forced !== undefined && canForceLocation(c.env)) {
    if (!isRegion(forced)) throw problem(400, 'region_unknown', `unknown region "${forced}"`);
    return forced;
  }
  const cf = c.req.raw.cf as { continent?: string } | undefined;
  return regionForContinent(cf?.continent, fallbackRegion(c.env));
}

/**
 * @example app.use(authenticate()); app.use(region()); … c.var.homeRegion
 */
export function region(): MiddlewareHandler<GatewayBindings> {
  return async function regionMiddleware(c, next) {
    const serving = servingRegionOf(c);
    c.set('servingRegion', serving);
    c.set('homeRegion', c.get('principal')?.region ?? serving);
    return next();
  };
}

/**
 * Which region a request is treated as coming from: an explicit, validated
 * `?region=`; then the caller's home region; then (development and tests
 * only) the `X-Meridian-Region` override; then the edge location's continent.
 */

import { problem } from '@common/problem';
import { isRegion, type Region, regionForContinent } from '@common/regions';
import type { Context } from 'hono';
import type { GatewayBindings } from './context';

export function canForceLocation(env: GatewayEnv): boolean {
  return env.ENVIRONMENT === 'development' || env.ENVIRONMENT === 'test';
}

export function fallbackRegion(env: GatewayEnv): Region {
  return isRegion(env.DEFAULT_REGION) ? env.DEFAULT_REGION : 'us';
}

export function resolveRegion(c: Context<GatewayBindings>, explicit?: string): Region {
  if (explicit !== undefined) {
    if (!isRegion(explicit)) throw problem(400, 'region_unknown', `unknown region "${explicit}"`);
    return explicit;
  }
  const home = c.get('principal')?.region;
  if (home) return home;
  const forced = c.req.header('x-meridian-region');
  if (forced !== undefined && canForceLocation(c.env)) {
    if (!isRegion(forced)) throw problem(400, 'region_unknown', `unknown region "${forced}"`);
    return forced;
  }
  const cf = c.req.raw.cf as { continent?: string } | undefined;
  return regionForContinent(cf?.continent, fallbackRegion(c.env));
}

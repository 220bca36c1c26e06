// The baseline and the gateway's own cost (issues 2 and 4): a bare Hono
// route; /health (the chain without the rate limiter, which skips health);
// the JWKS (the whole chain, rate-limit Durable Object included, no
// upstream). The inventory read is measured next to its fail-fast path, in
// ./resilience.mjs.
import { httpOutcome, measure, request } from '../harness.mjs';

/** The baseline every figure is a ratio to. */
export async function bareRoute(system, options) {
  const get = async () => httpOutcome(await request(system.bench, '/'));
  return [await measure('bare Hono route', get, options)];
}

export async function gatewayRoutes(system, options) {
  const get = (pathname) => async () => httpOutcome(await request(system.gateway, pathname));
  return [
    await measure('gateway GET /health', get('/health'), options),
    await measure('gateway full chain (JWKS, rate limit)', get('/.well-known/jwks.json'), options),
  ];
}

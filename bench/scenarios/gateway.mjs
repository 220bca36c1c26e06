// The baseline and the gateway's own cost (issues 2 and 4): a bare Hono
// route; /health (the chain without the rate limiter, which skips health);
// the JWKS (the whole chain, rate-limit Durable Object included, no
// upstream); an inventory read (chain + upstream layer + RPC + shard leader).
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
    await measure(
      'inventory read (shard leader)',
      get('/v1/inventory/MRD-TEE-001?region=us'),
      options,
    ),
  ];
}

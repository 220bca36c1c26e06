// The gateway's own cost, against bare-route: /health (the middleware chain
// without the rate limiter, which skips health) and the JWKS (the whole
// chain, the Rate Limiting binding included, no upstream).
import { httpOutcome, measure, request } from '../harness.mjs';

export async function gatewayRoutes(system, options) {
  const get = (pathname) => async () => httpOutcome(await request(system.gateway, pathname));
  return [
    await measure('gateway-health', get('/health'), options),
    await measure('gateway-chain', get('/.well-known/jwks.json'), options),
  ];
}

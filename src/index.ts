/** Gateway worker entry point, and the Durable Objects it hosts. */
import { createApp } from './app';

export { FaultRegistry } from './faults/registry';
export { FlagStore } from './flags/store';
export { IdempotencyRecord } from './idempotency/record';
export { RateLimiter } from './ratelimit/limiter';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<GatewayEnv>;

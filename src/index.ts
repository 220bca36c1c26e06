/** Gateway worker entry point. */
import { createApp } from './app';

export { FaultRegistry } from './faults/registry';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<GatewayEnv>;

/**
 * `/metrics` (admin): Prometheus text format, for the whole system: the
 * gateway's own series and every service's (`metrics()` over RPC, gathered
 * with a deadline each; scrape.ts), each labelled with `service` and
 * `region`. Per-isolate counters are those of the isolates that answered
 * (Workers have no shared memory); series read from durable state (sagas,
 * dead letters, backlogs, analytics totals) are the system's own. See
 * docs/operations.md and docs/resilience.md.
 */
import { isolateSamples } from '@common/metrics/isolate';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '@common/metrics/prometheus';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { labelled, scrapeServices, serviceScrapers } from './scrape';
import { metrics } from './state';

export const metricsRoute = new OpenAPIHono<GatewayBindings>();

metricsRoute.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/metrics',
      summary:
        'Prometheus metrics of the whole system (admin): the gateway and every service, labelled by service and region.',
      responses: {
        200: {
          description: 'Prometheus text format 0.0.4',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...problemResponses(401, 403),
      },
    }),
  ),
  async (c) => {
    const region = c.get('servingRegion');
    const services = await scrapeServices(serviceScrapers(c.env), {
      timeout_ms: Number(c.env.METRICS_SCRAPE_TIMEOUT_MS) || 1000,
      region,
      log: c.get('log'),
    });
    const gateway = [...metrics.samples(), ...isolateSamples()].map((s) =>
      labelled(s, 'gateway', region),
    );
    return c.text(renderPrometheus([...gateway, ...services], metrics.describe()), 200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'cache-control': 'no-store',
    });
  },
);

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
import { labelled, SCRAPED_SERVICES, scrapeServices, serviceScrapers } from './scrape';
import { metrics } from './state';

/** One series, as `?format=json` lists it (histograms as their `bucket`/`sum`/`count` series). */
const MetricSampleSchema = z
  .object({
    name: z.string(),
    type: z.enum(['counter', 'gauge', 'histogram']),
    help: z.string(),
    labels: z.record(z.string(), z.string()),
    value: z.number(),
    series: z.enum(['bucket', 'sum', 'count']).optional(),
  })
  .openapi('MetricSample');

export const metricsRoute = new OpenAPIHono<GatewayBindings>();

metricsRoute.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/metrics',
      summary:
        'Prometheus metrics of the whole system (admin): the gateway and every service, labelled by service and region.',
      request: {
        query: z.object({
          service: z
            .string()
            .transform((list) => list.split(','))
            .pipe(z.array(z.enum(['gateway', ...SCRAPED_SERVICES])).min(1))
            .optional()
            .describe(
              'comma-separated services to include (default all); `gateway` alone answers from this isolate without asking any service',
            ),
          format: z
            .enum(['prometheus', 'json'])
            .default('prometheus')
            .describe('json: the same samples as `{ samples }`, for the console'),
        }),
      },
      responses: {
        200: {
          description: 'Prometheus text format 0.0.4, or the samples as JSON',
          content: {
            'text/plain': { schema: z.string() },
            'application/json': { schema: z.object({ samples: z.array(MetricSampleSchema) }) },
          },
        },
        ...problemResponses(400, 401, 403),
      },
    }),
  ),
  async (c) => {
    const region = c.get('servingRegion');
    const query = c.req.valid('query');
    const wanted = new Set<string>(query.service ?? ['gateway', ...SCRAPED_SERVICES]);
    const scrapers = Object.entries(serviceScrapers(c.env)).filter(([name]) => wanted.has(name));
    const services = await scrapeServices(Object.fromEntries(scrapers), {
      timeout_ms: Number(c.env.METRICS_SCRAPE_TIMEOUT_MS) || 1000,
      region,
      log: c.get('log'),
    });
    const gateway = wanted.has('gateway')
      ? [...metrics.samples(), ...isolateSamples()].map((s) => labelled(s, 'gateway', region))
      : [];
    const declared = wanted.has('gateway') ? metrics.describe() : [];
    if (query.format === 'json')
      return c.json({ samples: [...gateway, ...services] }, 200, { 'cache-control': 'no-store' });
    return c.text(renderPrometheus([...gateway, ...services], declared), 200, {
      'content-type': PROMETHEUS_CONTENT_TYPE,
      'cache-control': 'no-store',
    });
  },
);

/**
 * `/metrics` (admin): Prometheus text format. Counters and histograms are
 * those of the isolate that answers the scrape (Workers have no shared
 * memory); see docs/resilience.md for how to read them.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { metrics } from './state';

export const metricsRoute = new OpenAPIHono<GatewayBindings>();

metricsRoute.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics of the answering isolate (admin).',
      responses: {
        200: {
          description: 'Prometheus text format 0.0.4',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...problemResponses(401, 403),
      },
    }),
  ),
  (c) =>
    c.text(metrics.render(), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
      'cache-control': 'no-store',
    }),
);

/**
 * Liveness (`/health`: the gateway itself answers) and readiness
 * (`/health/ready`: every service answers its own probe within the timeout;
 * 503 names the ones that did not). Each service also shows this isolate's
 * circuit breaker for it. Probes bypass the upstream layer: they must report
 * the service as it is, not as the breaker or an injected fault make it look.
 */

import { errorMessage } from '@common/log';
import { workerVersion } from '@common/version';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { documentedHeaders } from '../http/openapi';
import { healthCheckers, SERVICE_NAMES } from '../upstream/services';
import { gatewayUpstreams, withTimeout } from '../upstream/upstream';

const ServiceStatus = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  latencyMs: z.number().int(),
  detail: z.string().optional(),
  breaker: z.enum(['closed', 'open', 'half-open']).openapi({
    description: "This isolate's circuit breaker for the service.",
  }),
});

const LiveSchema = z.object({
  status: z.literal('ok'),
  version: z.object({ id: z.string(), tag: z.string() }).openapi({
    description:
      'The Worker Version that answered (`version_metadata`): its id, and the tag it was uploaded with (empty when untagged, as in local development).',
  }),
});

const ReadySchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  services: z.record(z.string(), ServiceStatus),
});

export const health = new OpenAPIHono<GatewayBindings>();

health.openapi(
  createRoute(
    withAccess('public', {
      method: 'get',
      path: '/health',
      summary: 'Liveness: the gateway is up, and the version that answers.',
      responses: {
        200: {
          description: 'up',
          content: { 'application/json': { schema: LiveSchema } },
        },
      },
    }),
  ),
  (c) => c.json({ status: 'ok' as const, version: workerVersion() }, 200),
);

health.openapi(
  createRoute(
    withAccess('public', {
      method: 'get',
      path: '/health/ready',
      summary: 'Readiness: every service answers its probe over its binding.',
      responses: {
        200: {
          description: 'all services ready',
          content: { 'application/json': { schema: ReadySchema } },
        },
        503: {
          description: 'a service is not ready',
          headers: documentedHeaders('Retry-After'),
          content: { 'application/json': { schema: ReadySchema } },
        },
      },
    }),
  ),
  async (c) => {
    const timeout = Number(c.env.HEALTH_TIMEOUT_MS) || 1500;
    const checkers = healthCheckers(c.env);
    const results = await Promise.all(
      SERVICE_NAMES.map(async (name) => {
        const started = Date.now();
        const { breaker } = gatewayUpstreams().status(name);
        try {
          const report = await withTimeout(name, timeout, checkers[name]());
          const failing = Object.entries(report.checks).filter(([, v]) => v !== 'ok');
          const detail = failing.map(([k, v]) => `${k}: ${v}`).join('; ');
          return [
            name,
            {
              status: report.status,
              latencyMs: Date.now() - started,
              ...(detail ? { detail } : {}),
              breaker,
            },
          ] as const;
        } catch (error) {
          return [
            name,
            {
              status: 'down' as const,
              latencyMs: Date.now() - started,
              detail: errorMessage(error),
              breaker,
            },
          ] as const;
        }
      }),
    );
    const services = Object.fromEntries(results);
    const ready = results.every(([, s]) => s.status === 'ok');
    if (!ready) {
      c.header('retry-after', '5');
      return c.json({ status: 'unavailable' as const, services }, 503);
    }
    return c.json({ status: 'ok' as const, services }, 200);
  },
);

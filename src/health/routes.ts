/**
 * Liveness (`/health`: the gateway itself answers) and readiness
 * (`/health/ready`: every service answers its own probe within the timeout,
 * its breaker in this isolate is closed and no fault rule targets it; 503
 * names the ones that are not). Readiness is public, so it is cheap to ask:
 * answered from a probe round at most HEALTH_CACHE_MS (≤ 2 s) old, shared
 * by concurrent callers, and rate limited per caller (principal, else IP).
 * Why a service is not ok (`detail`: probe errors, breaker, fault rules) is
 * for operators only; anyone else sees each service's status.
 */

import { workerVersion } from '@common/version';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { documentedHeaders, problemResponses } from '../http/openapi';
import { rateLimit } from '../ratelimit/middleware';
import { healthPolicy } from '../ratelimit/policy';
import { SERVICE_NAMES } from '../upstream/services';
import { breakerStates, probeRound, serviceHealth } from './readiness';

const ServiceStatus = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  latencyMs: z.number().int(),
  detail: z.string().optional().openapi({
    description: 'Why the service is not ok; only for admins and operators.',
  }),
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
  checkedAt: z.string().openapi({ description: 'When the services were last probed.' }),
  services: z.record(z.string(), ServiceStatus),
});

/** The readiness route's own limit (the API's limiter skips health). */
const healthRateLimit = rateLimit({
  name: 'health',
  limiter: (env) => env.HEALTH_RATE_LIMITER,
  policy: healthPolicy,
  skip: () => false,
});

/** Readiness has its own limit, so its answers say what that limit is. */
const LIMIT_HEADERS = ['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] as const;

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
      middleware: [healthRateLimit],
      summary:
        'Readiness: every service answers its probe, with a closed breaker and no fault rule.',
      description:
        'Answered from a probe round at most HEALTH_CACHE_MS (1 s; never more than 2 s) old; ' +
        'rate limited per caller (the HEALTH_RATE_LIMITER binding: RATE_LIMIT_HEALTH_CAPACITY per RATE_LIMIT_HEALTH_PERIOD_S). ' +
        '`detail` is shown to admins and operators only.',
      responses: {
        200: {
          description: 'all services ready',
          headers: documentedHeaders(...LIMIT_HEADERS),
          content: { 'application/json': { schema: ReadySchema } },
        },
        503: {
          description: 'a service is not ready',
          headers: documentedHeaders('Retry-After', ...LIMIT_HEADERS),
          content: { 'application/json': { schema: ReadySchema } },
        },
        429: {
          ...problemResponses(429)[429],
          headers: documentedHeaders('Retry-After', ...LIMIT_HEADERS),
        },
      },
    }),
  ),
  async (c) => {
    const breakers = breakerStates();
    const round = await probeRound(c.env, (p) => c.executionCtx.waitUntil(p));
    const operator = c.get('principal')?.roles.includes('admin') ?? false;
    const entries = await Promise.all(
      SERVICE_NAMES.map(async (name) => {
        const probed = round.services[name];
        const { detail, ...seen } = await serviceHealth(name, probed, breakers[name]);
        return [name, operator && detail ? { ...seen, detail } : seen] as const;
      }),
    );
    const services = Object.fromEntries(entries);
    const ready = entries.every(([, s]) => s.status === 'ok');
    c.header('cache-control', 'no-store');
    const body = { checkedAt: new Date(round.checkedAt).toISOString(), services };
    if (!ready) {
      c.header('retry-after', '5');
      return c.json({ status: 'unavailable' as const, ...body }, 503);
    }
    return c.json({ status: 'ok' as const, ...body }, 200);
  },
);

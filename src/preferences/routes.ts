/**
 * Preferences (leaderless quorum, Dynamo-style). Each request picks its
 * consistency: `one` (PA/EL: any replica), `quorum` (the default; R + W > N,
 * so a quorum read sees the last quorum write), `all` (every replica; 503
 * while one is down). docs/replication.md.
 */
import {
  CONSISTENCY_LEVELS,
  jsonBytes,
  PREFERENCES_BYTES_MAX,
  PreferencesObjectSchema,
  type PreferencesView,
  PreferencesViewSchema,
  ReplicasViewSchema,
} from '@common/contracts/preferences';
import { problem, unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { CustomerIdParam, customerHome } from '../admin/customer-home';
import { withAccess } from '../auth/access';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { callUpstream } from '../upstream/upstream';

type Ctx = Context<GatewayBindings>;

const Query = z.object({
  consistency: z.enum(CONSISTENCY_LEVELS).default('quorum').openapi({
    description: '`one`, `quorum` (R of N, W of N; default) or `all` (every replica).',
  }),
});

const upstream = <R>(c: Ctx, call: () => R) =>
  callUpstream('preferences', call, { log: c.get('log') });

export const preferences = new OpenAPIHono<GatewayBindings>();

preferences.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/me/preferences',
      summary:
        'Your preferences: the newest of R replicas (leaderless; `consistency` picks R). Stale replicas are repaired.',
      request: { query: Query },
      responses: {
        200: {
          description: 'the preferences',
          content: { 'application/json': { schema: PreferencesViewSchema } },
        },
        ...problemResponses(400, 401, 403, 503),
      },
    }),
  ),
  async (c) => {
    const { consistency } = c.req.valid('query');
    const { id } = principalOf(c);
    const home = c.var.homeRegion;
    // Typed here: RPC erases the type of a record of unknown values.
    const view: PreferencesView = unwrap(
      await upstream(c, () => c.env.PREFERENCES.getPreferences(id, home, consistency)),
    );
    return c.json(view, 200);
  },
);

preferences.openapi(
  createRoute(
    withAccess('customer', {
      method: 'put',
      path: '/v1/me/preferences',
      summary: `Replace your preferences (a JSON object ≤ ${PREFERENCES_BYTES_MAX} bytes); acknowledged once W replicas took it (a down replica's copy goes to a fallback with a hint). 503 when fewer answer.`,
      request: {
        query: Query,
        body: {
          content: { 'application/json': { schema: PreferencesObjectSchema } },
          required: true,
        },
      },
      responses: {
        200: {
          description: 'stored',
          content: { 'application/json': { schema: PreferencesViewSchema } },
        },
        ...problemResponses(400, 401, 403, 413, 415, 503),
      },
    }),
  ),
  async (c) => {
    const { consistency } = c.req.valid('query');
    const body = c.req.valid('json');
    if (jsonBytes(body) > PREFERENCES_BYTES_MAX)
      throw problem(
        413,
        'preferences_too_large',
        `preferences take at most ${PREFERENCES_BYTES_MAX} bytes`,
      );
    const { id } = principalOf(c);
    const home = c.var.homeRegion;
    const view: PreferencesView = unwrap(
      await upstream(c, () => c.env.PREFERENCES.putPreferences(id, home, consistency, body)),
    );
    return c.json(view, 200);
  },
);

preferences.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/preferences/{customerId}/replicas',
      summary:
        "A customer's preference list (admin): each node's version of their preferences, the hints it holds, and whether a fault rule takes it down.",
      request: { params: CustomerIdParam },
      responses: {
        200: {
          description: 'the replicas',
          content: { 'application/json': { schema: ReplicasViewSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 503),
      },
    }),
  ),
  async (c) => {
    const { customerId } = c.req.valid('param');
    const home = await customerHome(c, customerId);
    return c.json(
      unwrap(await upstream(c, () => c.env.PREFERENCES.replicas(customerId, home))),
      200,
    );
  },
);

/**
 * Operator routes for the order saga and its messages: dead letters (list,
 * replay) and saga inspection. Admin only.
 */

import { RegionOutcomeSchema, RegionSchema } from '@common/contracts/region';
import { unwrap } from '@common/problem';
import type { Region } from '@common/regions';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { callUpstream } from '../upstream/upstream';
import { mergeRegions, scatterGather } from './scatter';

export const operations = new OpenAPIHono<GatewayBindings>();

operations.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/orders',
      summary:
        'Recent orders of every region (admin): scatter-gather with a per-region deadline; `partial` is true and `regions` says which region did not answer.',
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }) },
      responses: {
        200: {
          description: 'orders by region',
          content: {
            'application/json': {
              schema: z.object({
                items: z.array(
                  z
                    .object({
                      orderId: z.string(),
                      customerId: z.string(),
                      region: RegionSchema,
                      status: z.string(),
                      createdAt: z.string(),
                    })
                    .passthrough(),
                ),
                regions: z.record(z.string(), RegionOutcomeSchema),
                partial: z.boolean(),
              }),
            },
          },
        },
        ...problemResponses(401, 403),
      },
    }),
  ),
  async (c) => {
    const limit = c.req.valid('query').limit ?? 50;
    const gathered = await scatterGather((region) => c.env.ORDERS.listRegionOrders(region, limit), {
      timeout_ms: Number(c.env.ADMIN_REGION_TIMEOUT_MS) || 2000,
    });
    const items = Object.entries(gathered.results)
      .flatMap(([region, orders]) =>
        (orders ?? []).map((o) => ({ ...o, region: region as Region })),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      .slice(0, limit);
    return c.json({ items, regions: gathered.regions, partial: gathered.partial }, 200);
  },
);

const DeadLetterSchema = z
  .object({
    id: z.string(),
    queue: z.string(),
    envelopeId: z.string().nullable(),
    type: z.string().nullable(),
    error: z.string().nullable(),
    attempts: z.number().int(),
    receivedAt: z.string(),
    replayedAt: z.string().nullable(),
    body: z.string().describe('the message as JSON text, exactly as a replay sends it'),
    region: RegionSchema.describe('the region whose store keeps it (the message’s region)'),
  })
  .openapi('DeadLetter');

/** Every region's dead letters, gathered like the orders (a region may be missing: `partial`). */
const DeadLettersSchema = z.object({
  items: z.array(DeadLetterSchema),
  regions: z.record(z.string(), RegionOutcomeSchema),
  partial: z.boolean(),
});

operations.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/dead-letters',
      summary:
        'Messages that exhausted their retries, with their origin queue, error and attempts (admin).',
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }) },
      responses: {
        200: {
          description: 'dead letters',
          content: {
            'application/json': { schema: DeadLettersSchema },
          },
        },
        ...problemResponses(401, 403, 503),
      },
    }),
  ),
  async (c) => {
    // Dead letters are kept in their message's region: ask every region.
    const limit = c.req.valid('query').limit ?? 50;
    const gathered = await scatterGather(
      (region) => c.env.NOTIFICATIONS.listDeadLetters(region, limit),
      { timeout_ms: Number(c.env.ADMIN_REGION_TIMEOUT_MS) || 2000, log: c.get('log') },
    );
    const items = mergeRegions(
      gathered.results,
      (a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id),
      limit,
    );
    return c.json({ items, regions: gathered.regions, partial: gathered.partial }, 200);
  },
);

operations.openapi(
  createRoute(
    withAccess('admin', {
      method: 'post',
      path: '/v1/admin/dead-letters/{id}/replay',
      summary:
        'Send a dead letter back to its origin queue (admin); consumers ignore it if it was applied after all.',
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: {
        202: {
          description: 'replayed',
          content: { 'application/json': { schema: DeadLetterSchema } },
        },
        ...problemResponses(401, 403, 404, 409, 503),
      },
    }),
  ),
  async (c) => {
    const { id } = c.req.valid('param');
    const letter = unwrap(
      await callUpstream('notifications', () => c.env.NOTIFICATIONS.replayDeadLetter(id), {
        log: c.get('log'),
      }),
    );
    return c.json(letter, 202);
  },
);

operations.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/sagas/{orderId}',
      summary:
        "An order saga's transitions, commands, replies, deadlines and undelivered messages (admin).",
      request: {
        params: z.object({ orderId: z.string().regex(/^ord_[0-9A-Z]{26}$/, 'not an order id') }),
      },
      responses: {
        200: {
          description: 'the saga',
          content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
        },
        ...problemResponses(401, 403, 404, 503),
      },
    }),
  ),
  async (c) => {
    const { orderId } = c.req.valid('param');
    const saga = unwrap(
      await callUpstream('orders', () => c.env.ORDERS.inspectSaga(orderId), { log: c.get('log') }),
    );
    return c.json(saga as Record<string, unknown>, 200);
  },
);

/**
 * Dead letters (admin): every region's store, gathered (a region may be
 * missing: `partial`), optionally only those not replayed yet; and replay,
 * which sends a letter back to its origin queue once: a second replay is
 * 409 `dead_letter_already_replayed` and sends nothing.
 */
import { unwrap } from '@common/problem';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { callUpstream } from '../upstream/upstream';
import { mergeRegions, RegionOutcomeSchema, regionTimeout, scatterGather } from './scatter';

const DeadLetterSchema = z
  .object({
    id: z.string(),
    queue: z.string(),
    envelopeId: z.string().nullable(),
    type: z.string().nullable(),
    error: z.string().nullable(),
    attempts: z.number().int(),
    receivedAt: z.string(),
    replayedAt: z.string().nullable().openapi({ description: 'null until it is replayed' }),
    body: z.string().describe('the message as JSON text, exactly as a replay sends it'),
    region: z.string().describe('the region whose store keeps it (the message’s region)'),
  })
  .openapi('DeadLetter');

const DeadLettersSchema = z.object({
  items: z.array(DeadLetterSchema),
  regions: z.record(z.string(), RegionOutcomeSchema),
  partial: z.boolean(),
});

export const adminDeadLetters = new OpenAPIHono<GatewayBindings>();

adminDeadLetters.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/dead-letters',
      summary:
        'Messages that exhausted their retries, with their origin queue, error and attempts, newest first (admin). `replayed=false` lists only those not replayed yet.',
      request: {
        query: z.object({
          limit: z.coerce.number().int().min(1).max(100).optional(),
          replayed: z.enum(['true', 'false']).optional().openapi({
            description: 'false: not replayed yet; true: replayed; absent: both',
          }),
        }),
      },
      responses: {
        200: {
          description: 'dead letters',
          content: { 'application/json': { schema: DeadLettersSchema } },
        },
        ...problemResponses(400, 401, 403),
      },
    }),
  ),
  async (c) => {
    // Dead letters are kept in their message's region: ask every region.
    const { limit = 50, replayed } = c.req.valid('query');
    const filter = replayed === undefined ? {} : { replayed: replayed === 'true' };
    const gathered = await scatterGather(
      (region) => c.env.NOTIFICATIONS.listDeadLetters(region, limit, filter),
      { timeout_ms: regionTimeout(c.env), log: c.get('log') },
    );
    const items = mergeRegions(
      gathered.results,
      (a, b) => b.receivedAt.localeCompare(a.receivedAt) || b.id.localeCompare(a.id),
      limit,
    );
    return c.json({ items, regions: gathered.regions, partial: gathered.partial }, 200);
  },
);

adminDeadLetters.openapi(
  createRoute(
    withAccess('admin', {
      method: 'post',
      path: '/v1/admin/dead-letters/{id}/replay',
      summary:
        'Send a dead letter back to its origin queue, once (admin). A second replay sends nothing and is 409 dead_letter_already_replayed; consumers also ignore a message they applied after all. A message that fails again comes back as a new dead letter.',
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: {
        202: {
          description: 'sent back to its queue; replayedAt is set',
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

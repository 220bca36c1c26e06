/** GET /v1/admin/sagas/{orderId}: an order saga as its Durable Object records it (admin). */
import { ORDER_ID_PATTERN, ORDER_STATUSES } from '@common/contracts/orders';
import { unwrap } from '@common/problem';
import { REGIONS } from '@common/regions';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { callUpstream } from '../upstream/upstream';

const COMPENSATION = z.enum(['pending', 'done']).nullable().openapi({
  description: 'null: not needed; pending: sent and not yet acknowledged; done: acknowledged',
});

const SagaLogEntrySchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  kind: z.enum(['transition', 'command', 'event', 'reply', 'deadline', 'cancel', 'fallback']),
  type: z.string(),
  via: z.enum(['fast_path', 'queue']).nullable().openapi({
    description: 'for replies: returned by the direct call (fast_path) or delivered by its queue',
  }),
  detail: z.string().openapi({
    description: 'JSON text: message ids, destinations, outcomes, reasons',
  }),
});

export const SagaInspectionSchema = z
  .object({
    orderId: z.string(),
    region: z.enum(REGIONS),
    status: z.enum(ORDER_STATUSES),
    version: z.number().int(),
    compensation: z.object({ release: COMPENSATION, refund: COMPENSATION }),
    deadline: z.string().nullable().openapi({ description: "the current step's deadline" }),
    traceparent: z.string(),
    log: z.array(SagaLogEntrySchema).openapi({
      description:
        'the most recent transitions, commands, events, replies and fallbacks, oldest first',
    }),
    logOmitted: z.number().int().openapi({ description: 'older log entries left out' }),
    undelivered: z
      .array(z.object({ destination: z.string(), type: z.string(), attempts: z.number().int() }))
      .openapi({ description: 'outbox rows not yet delivered to their queue' }),
  })
  .openapi('SagaInspection');

export const adminSagas = new OpenAPIHono<GatewayBindings>();

adminSagas.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/sagas/{orderId}',
      summary:
        "An order saga's transitions, commands, replies, deadlines and undelivered messages (admin; linearizable: read at the saga).",
      request: {
        params: z.object({ orderId: z.string().regex(ORDER_ID_PATTERN, 'not an order id') }),
      },
      responses: {
        200: {
          description: 'the saga',
          content: { 'application/json': { schema: SagaInspectionSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 503),
      },
    }),
  ),
  async (c) => {
    const { orderId } = c.req.valid('param');
    const saga = unwrap(
      await callUpstream('orders', () => c.env.ORDERS.inspectSaga(orderId), { log: c.get('log') }),
    );
    return c.json(saga, 200);
  },
);

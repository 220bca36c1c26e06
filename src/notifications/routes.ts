/** The caller's notification inbox (customer; eventual: fed by events). */

import { MoneySchema } from '@common/contracts/catalog';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import { principalOf } from '../auth/authenticate';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { callUpstream } from '../upstream/upstream';

export const notifications = new OpenAPIHono<GatewayBindings>();

const NotificationSchema = z
  .object({
    id: z.string(),
    type: z.string().openapi({
      description:
        'order.confirmed, order.rejected, order.cancelled, payment.refunded; transfer.sent (to the sender, at the debit), transfer.received (to the recipient, at the credit), transfer.reversed (to the sender, when the amount came back).',
    }),
    orderId: z.string().optional(),
    at: z.string(),
    status: z.string().optional(),
    reason: z.string().nullable().optional(),
    amount: MoneySchema.nullable().optional(),
    transferId: z.string().optional(),
    fromCustomerId: z.string().optional(),
    toCustomerId: z.string().optional(),
  })
  .openapi('Notification');

notifications.openapi(
  createRoute(
    withAccess('customer', {
      method: 'get',
      path: '/v1/notifications',
      summary:
        'Notifications of order, payment and transfer outcomes, newest first (customer; eventual: fed by events, from your home region).',
      request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).optional() }) },
      responses: {
        200: {
          description: 'notifications',
          content: {
            'application/json': { schema: z.object({ items: z.array(NotificationSchema) }) },
          },
        },
        ...problemResponses(401, 403, 503),
      },
    }),
  ),
  async (c) => {
    const customer = principalOf(c);
    // The inbox lives in the customer's home region (their token's claim).
    const region = c.var.homeRegion;
    const limit = c.req.valid('query').limit ?? 50;
    const items = await callUpstream(
      'notifications',
      () => c.env.NOTIFICATIONS.listNotifications(customer.id, region, limit),
      { log: c.get('log') },
    );
    return c.json({ items }, 200);
  },
);

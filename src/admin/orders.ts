/**
 * GET /v1/admin/orders: every region's orders read model, newest first,
 * filtered by status, region and customer and paged with an opaque cursor.
 * Each region's leg runs its filters and keyset position in its own query
 * (LIMIT page + 1) with its own deadline; `partial` and `regions` say which
 * region did not answer, and its orders come on a later page (cursor.ts).
 */
import { MoneySchema } from '@common/contracts/catalog';
import { ORDER_STATUSES, PricedItemSchema } from '@common/contracts/orders';
import { CustomerIdSchema } from '@common/contracts/payments';
import { REGIONS, type Region } from '@common/regions';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import {
  decodeCursor,
  encodeCursor,
  exhausted,
  filtersKey,
  mergePage,
  type Positions,
} from './cursor';
import { RegionOutcomeSchema, regionTimeout, scatterGather } from './scatter';

const AdminOrderSchema = z
  .object({
    orderId: z.string(),
    customerId: z.string(),
    region: z.enum(REGIONS),
    status: z.enum(ORDER_STATUSES),
    total: MoneySchema,
    items: z.array(PricedItemSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('AdminOrder');

const QuerySchema = z.object({
  status: z.enum(ORDER_STATUSES).optional(),
  region: z.enum(REGIONS).optional(),
  customerId: CustomerIdSchema.optional(),
  cursor: z.string().min(1).max(1024).optional().openapi({
    description: 'Opaque: the nextCursor of the previous page, with the same filters.',
  }),
  limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: 'Default 50.' }),
});

export const adminOrders = new OpenAPIHono<GatewayBindings>();

adminOrders.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/orders',
      summary:
        'Orders of every region (admin; eventual: the read models), newest first, filtered by status, region and customer, paged with an opaque cursor. Scatter-gather with a per-region deadline: `partial` is true and `regions` says which region did not answer; its orders come on a later page, none is skipped or repeated.',
      request: { query: QuerySchema },
      responses: {
        200: {
          description: 'a page of orders across regions',
          content: {
            'application/json': {
              schema: z.object({
                items: z.array(AdminOrderSchema),
                nextCursor: z.string().nullable().openapi({
                  description: 'null when every asked region is exhausted',
                }),
                regions: z.record(z.string(), RegionOutcomeSchema),
                partial: z.boolean(),
              }),
            },
          },
        },
        ...problemResponses(400, 401, 403),
      },
    }),
  ),
  async (c) => {
    const { status, region, customerId, cursor, limit = 50 } = c.req.valid('query');
    const key = filtersKey({ status, region, customerId });
    const positions: Positions = cursor ? decodeCursor(cursor, key) : {};
    const scope: readonly Region[] = region ? [region] : REGIONS;
    const asked = scope.filter((r) => positions[r] !== 'done');
    const gathered = await scatterGather(
      async (r) => {
        const at = positions[r];
        const after = at && at !== 'done' ? { after: at } : {};
        const orders = await c.env.ORDERS.listRegionOrders(r, {
          ...(status ? { status } : {}),
          ...(customerId ? { customerId } : {}),
          ...after,
          limit: limit + 1,
        });
        return orders.map((o) => ({ ...o, region: r, createdAt: Date.parse(o.createdAt) }));
      },
      { regions: asked, timeout_ms: regionTimeout(c.env), log: c.get('log') },
    );
    const { items, next } = mergePage(asked, gathered.results, positions, limit);
    return c.json(
      {
        items: items.map((o) => ({ ...o, createdAt: new Date(o.createdAt).toISOString() })),
        nextCursor: exhausted(scope, next) ? null : encodeCursor(key, next),
        regions: gathered.regions,
        partial: gathered.partial,
      },
      200,
    );
  },
);

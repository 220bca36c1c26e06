/**
 * Inventory: linearizable reads and restocks at the SKU's shard leader in the
 * region (the caller's, or `region` when given).
 */

import { SkuSchema, StockLevelSchema } from '@common/contracts/inventory';
import { unwrap } from '@common/problem';
import { REGIONS } from '@common/regions';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { idempotent } from '../idempotency/middleware';
import { scopedOperationId } from '../idempotency/operation-id';
import { callUpstream } from '../upstream/upstream';

const SkuParam = z.object({ sku: SkuSchema });

export const inventory = new OpenAPIHono<GatewayBindings>();

inventory.openapi(
  createRoute(
    withAccess('public', {
      method: 'get',
      path: '/v1/inventory/{sku}',
      summary: 'Stock of a SKU in a region warehouse (linearizable: read at the shard leader).',
      request: { params: SkuParam, query: z.object({ region: z.enum(REGIONS).optional() }) },
      responses: {
        200: {
          description: 'stock level',
          content: { 'application/json': { schema: StockLevelSchema } },
        },
        ...problemResponses(400, 404, 503),
      },
    }),
  ),
  async (c) => {
    const { sku } = c.req.valid('param');
    const region = c.req.valid('query').region ?? c.var.homeRegion;
    const level = unwrap(
      await callUpstream('inventory', () => c.env.INVENTORY.getStock(sku, region), {
        log: c.get('log'),
        idempotent: true,
      }),
    );
    return c.json(level, 200);
  },
);

const RestockBody = z
  .object({
    quantity: z.number().int().positive().max(1_000_000),
    region: z.enum(REGIONS).optional(),
  })
  .strict();

inventory.openapi(
  createRoute(
    withAccess('admin', {
      method: 'post',
      path: '/v1/inventory/{sku}/restock',
      // Optional here: without a key the restock still applies once per request.
      middleware: [idempotent({ required: false })],
      summary:
        'Add stock (admin; linearizable). With an Idempotency-Key the restock applies once per key.',
      request: {
        params: SkuParam,
        body: { content: { 'application/json': { schema: RestockBody } }, required: true },
      },
      responses: {
        200: {
          description: 'stock after the restock',
          content: { 'application/json': { schema: StockLevelSchema } },
        },
        ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422, 429, 503),
      },
    }),
  ),
  async (c) => {
    const { sku } = c.req.valid('param');
    const body = c.req.valid('json');
    const region = body.region ?? c.var.homeRegion;
    // The key is the caller's (idempotent() scopes it), so the operation id is too.
    const operationId = (await scopedOperationId(c, 'restock')) ?? `restock:${c.get('requestId')}`;
    const meta = { requestId: c.get('requestId'), traceparent: c.get('traceparent') };
    const result = unwrap(
      await callUpstream(
        'inventory',
        () => c.env.INVENTORY.restock({ sku, region, quantity: body.quantity, operationId }, meta),
        { log: c.get('log') },
      ),
    );
    const { applied, ...level } = result;
    if (!applied) c.header('idempotent-replayed', 'true');
    return c.json(level, 200);
  },
);

/**
 * GET /v1/admin/stock (admin): stock of a page of catalog SKUs in every
 * region warehouse, in one call, for the console's stock table. The page
 * of products comes from the catalog (its own cursor and category filter);
 * each region is then asked for all of the page's SKUs at once, at their
 * shard leaders (linearizable per SKU), with the operator reads' deadline
 * per region: a region that does not answer leaves its column empty and
 * makes the answer `partial`, as every cross-region admin read does.
 */
import { ListProductsInputSchema } from '@common/contracts/catalog';
import { StockLevelSchema } from '@common/contracts/inventory';
import { RegionSchema } from '@common/contracts/region';
import { unwrap } from '@common/problem';
import type { Region } from '@common/regions';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { scatterGather } from '../admin/scatter';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { problemResponses } from '../http/openapi';
import { callUpstream } from '../upstream/upstream';

/** SKUs per page: each region reads this many shard leaders at once. */
const STOCK_PAGE_MAX = 50;

const LevelSchema = StockLevelSchema.pick({ available: true, reserved: true, sold: true });

const StockRowSchema = z.object({
  sku: z.string(),
  productId: z.string(),
  name: z.string(),
  regions: z.partialRecord(RegionSchema, LevelSchema.nullable()).openapi({
    description:
      'each region that answered; null when that region could not read this SKU (its shard failed)',
  }),
});

const RegionOutcomeSchema = z.object({
  status: z.enum(['ok', 'timeout', 'error']),
  latencyMs: z.number().int(),
  detail: z.string().optional(),
});

const QuerySchema = ListProductsInputSchema.extend({
  limit: z.coerce.number().int().min(1).max(STOCK_PAGE_MAX).default(20),
});

export const adminStock = new OpenAPIHono<GatewayBindings>();

adminStock.openapi(
  createRoute(
    withAccess('admin', {
      method: 'get',
      path: '/v1/admin/stock',
      summary:
        'Stock of a page of catalog SKUs in every region (admin): one row per SKU, one column per region, each read at its shard leader (linearizable per SKU). A region that does not answer within its deadline is missing and `partial` is true.',
      request: { query: QuerySchema },
      responses: {
        200: {
          description: 'stock per SKU per region',
          content: {
            'application/json': {
              schema: z.object({
                items: z.array(StockRowSchema),
                nextCursor: z.string().nullable(),
                regions: z.record(z.string(), RegionOutcomeSchema),
                partial: z.boolean(),
              }),
            },
          },
        },
        ...problemResponses(400, 401, 403, 503),
      },
    }),
  ),
  async (c) => {
    const query = c.req.valid('query');
    const log = c.get('log');
    const meta = { requestId: c.get('requestId'), traceparent: c.get('traceparent') };
    const { page } = unwrap(
      await callUpstream('catalog', () => c.env.CATALOG.listProducts(query, meta), {
        log,
        idempotent: true,
      }),
    );
    const skus = page.items.map((p) => p.sku);
    const gathered = await scatterGather((region) => regionStock(c.env, region, skus), {
      timeout_ms: Number(c.env.ADMIN_REGION_TIMEOUT_MS) || 2000,
      log,
    });
    const items = page.items.map((product) => ({
      sku: product.sku,
      productId: product.id,
      name: product.name,
      regions: Object.fromEntries(
        Object.entries(gathered.results).map(([region, levels]) => [
          region,
          levels?.get(product.sku) ?? null,
        ]),
      ),
    }));
    return c.json(
      { items, nextCursor: page.nextCursor, regions: gathered.regions, partial: gathered.partial },
      200,
    );
  },
);

type Level = z.infer<typeof LevelSchema>;

/** Every SKU of the page at its shard leader in `region`; a SKU whose read fails is absent. */
async function regionStock(
  env: GatewayEnv,
  region: Region,
  skus: readonly string[],
): Promise<Map<string, Level>> {
  const levels = await Promise.all(
    skus.map(async (sku) => {
      const answer = await env.INVENTORY.getStock(sku, region).catch(() => undefined);
      return answer?.ok ? ([sku, pickLevel(answer.value)] as const) : undefined;
    }),
  );
  return new Map(levels.filter((l) => l !== undefined));
}

const pickLevel = ({ available, reserved, sold }: Level): Level => ({ available, reserved, sold });

/**
 * Catalog reads. Eventual, bounded by the cache TTL: served from the catalog's
 * KV cache-aside, with a strong ETag from the product version.
 */

import { type CachedProduct, ListProductsInputSchema } from '@common/contracts/catalog';
import { unwrap } from '@common/problem';
import { StaleCopies } from '@common/resilience';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { GatewayBindings } from '../context';
import { ProductSchema, problemResponses } from '../schemas';
import { callUpstream, callWithStaleCopy } from '../upstream';

export const products = new OpenAPIHono<GatewayBindings>();

products.openapi(
  createRoute({
    method: 'get',
    path: '/v1/products',
    summary: 'List products (eventual, bounded by the cache TTL). Keyset pagination by cursor.',
    request: { query: ListProductsInputSchema },
    responses: {
      200: {
        description: 'a page of products',
        content: {
          'application/json': {
            schema: z.object({ items: z.array(ProductSchema), nextCursor: z.string().nullable() }),
          },
        },
      },
      ...problemResponses(400, 503),
    },
  }),
  async (c) => {
    const query = c.req.valid('query');
    const page = unwrap(
      await callUpstream('catalog', () => c.env.CATALOG.listProducts(query), {
        log: c.get('log'),
        idempotent: true,
      }),
    );
    return c.json(page, 200);
  },
);

/** Last good product reads of this isolate, served (marked stale) while the catalog fails. */
const productCopies = new StaleCopies<CachedProduct>({ entries_max: 1000, age_ms_max: 3_600_000 });

const etagOf = (product: { id: string; version: number }) => `"${product.id}.v${product.version}"`;

products.openapi(
  createRoute({
    method: 'get',
    path: '/v1/products/{id}',
    summary: 'One product (eventual, bounded by the cache TTL), with ETag; 304 on If-None-Match.',
    request: { params: z.object({ id: z.string().min(1).max(64) }) },
    responses: {
      200: {
        description: 'the product',
        content: { 'application/json': { schema: ProductSchema } },
      },
      304: { description: 'not modified' },
      ...problemResponses(404, 503),
    },
  }),
  async (c) => {
    const { id } = c.req.valid('param');
    const { result, staleAge_s } = await callWithStaleCopy(
      'catalog',
      productCopies,
      id,
      () => c.env.CATALOG.getProduct(id),
      { log: c.get('log'), idempotent: true },
    );
    const { product, cache } = unwrap(result);
    const etag = etagOf(product);
    c.header('etag', etag);
    // A stale copy is served only while the catalog is failing; say so.
    c.header('x-cache', staleAge_s === undefined ? cache : 'stale');
    if (staleAge_s !== undefined) c.header('age', String(staleAge_s));
    c.header('cache-control', `public, max-age=0, must-revalidate`);
    const match = c.req.header('if-none-match');
    if (match?.split(',').some((t) => t.trim() === etag || t.trim() === '*')) {
      return c.body(null, 304);
    }
    return c.json(product, 200);
  },
);

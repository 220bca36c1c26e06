/**
 * Catalog routes. Reads are public and eventual, bounded by the catalog's
 * cache TTL (PACELC: EL, served from the nearest cache level); each response
 * says which level answered (`X-Cache`), how old it is (`Age`) and how long it
 * may still be reused (`Cache-Control`), so no client or shared cache keeps it
 * past the bound. Writes are admin only and go to D1 with their event.
 */

import {
  type CachedProduct,
  type CacheMeta,
  CreateProductInputSchema,
  type ListProductsInput,
  ListProductsInputSchema,
  type Product,
  type ProductPage,
  ProductSchema,
  UpdateProductInputSchema,
} from '@common/contracts/catalog';
import { problem, unwrap } from '@common/problem';
import { StaleCopies } from '@common/resilience';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { withAccess } from '../auth/access';
import type { GatewayBindings } from '../context';
import { documentedHeaders, problemResponses } from '../http/openapi';
import { callUpstream, callWithStaleCopy } from '../upstream/upstream';
import { requireChargeable } from './currency';
import { type Fresh, forgetWritten, keepsProduct, throughEdge } from './edge-cache';
import { cacheHeaders, etagOf, ifMatchVersions, matchesIfNoneMatch } from './headers';

const stale = (id: string) =>
  problem(412, 'precondition_failed', `product ${id} does not match If-Match; read it again`);

export const products = new OpenAPIHono<GatewayBindings>();

const ProductParams = z.object({ id: z.string().min(1).max(64) });
const PageSchema = z.object({ items: z.array(ProductSchema), nextCursor: z.string().nullable() });
const json = <S extends z.ZodType>(schema: S) => ({ 'application/json': { schema } });

const cacheHeaderDocs = {
  'x-cache': {
    description:
      "which level answered: hit-edge (the gateway's edge cache), hit-memory, hit-cache-api, hit-kv, miss, or stale",
    schema: { type: 'string' as const },
  },
  age: {
    description: 'seconds since the data was read from D1',
    schema: { type: 'integer' as const },
  },
};

const metaOf = (c: Context<GatewayBindings>) => ({
  requestId: c.get('requestId'),
  traceparent: c.get('traceparent'),
});

products.openapi(
  createRoute(
    withAccess('public', {
      method: 'get',
      path: '/v1/products',
      summary: 'List products (eventual, bounded by the cache TTL). Keyset pagination by cursor.',
      description:
        'Pages are stable under concurrent inserts: a cursor is the last id seen and ids sort by creation.',
      request: { query: ListProductsInputSchema },
      responses: {
        200: {
          description: 'a page of products',
          headers: cacheHeaderDocs,
          content: json(PageSchema),
        },
        ...problemResponses(400, 503),
      },
    }),
  ),
  async (c) => {
    const query = c.req.valid('query');
    const read = () => pageFromCatalog(c, query);
    // First pages only: the pages after a cursor are the long tail a client
    // may invent (cursors), and are served as before.
    const { value: page, meta } =
      query.cursor === undefined
        ? await throughEdge(c, {
            kind: 'list',
            key: `${query.category === undefined ? 'all' : `in=${query.category}`}:limit=${query.limit}`,
            read,
            keep: (p) => p.items.length > 0,
          })
        : await read();
    for (const [name, value] of Object.entries(cacheHeaders(meta))) c.header(name, value);
    return c.json(page, 200);
  },
);

async function pageFromCatalog(
  c: Context<GatewayBindings>,
  query: ListProductsInput,
): Promise<Fresh<ProductPage>> {
  const { page, ...meta } = unwrap(
    await callUpstream('catalog', () => c.env.CATALOG.listProducts(query, metaOf(c)), {
      log: c.get('log'),
      idempotent: true,
    }),
  );
  return { value: page, meta };
}

/** Last good product reads of this isolate, served (marked stale) while the catalog itself fails. */
const productCopies = new StaleCopies<CachedProduct>({ entries_max: 1000, age_ms_max: 3_600_000 });

async function productFromCatalog(
  c: Context<GatewayBindings>,
  id: string,
): Promise<Fresh<Product>> {
  const { result, staleAge_s } = await callWithStaleCopy(
    'catalog',
    productCopies,
    id,
    () => c.env.CATALOG.getProduct(id, metaOf(c)),
    { log: c.get('log'), idempotent: true },
  );
  const { product, ...fresh } = unwrap(result);
  // The catalog failed and this isolate served its last good copy: say so.
  const meta: CacheMeta =
    staleAge_s === undefined ? fresh : { ...fresh, cache: 'stale', ageMs: staleAge_s * 1000 };
  return { value: product, meta };
}

products.openapi(
  createRoute(
    withAccess('public', {
      method: 'get',
      path: '/v1/products/{id}',
      summary: 'One product (eventual, bounded by the cache TTL), with ETag; 304 on If-None-Match.',
      request: { params: ProductParams },
      responses: {
        200: {
          description: 'the product',
          headers: { ...cacheHeaderDocs, etag: { schema: { type: 'string' } } },
          content: json(ProductSchema),
        },
        304: { description: 'not modified' },
        ...problemResponses(404, 503),
      },
    }),
  ),
  async (c) => {
    const { id } = c.req.valid('param');
    const { value: product, meta } = await throughEdge(c, {
      kind: 'product',
      key: id,
      read: () => productFromCatalog(c, id),
      keep: keepsProduct,
    });
    const etag = etagOf(product);
    c.header('etag', etag);
    for (const [name, value] of Object.entries(cacheHeaders(meta))) c.header(name, value);
    if (matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304);
    return c.json(product, 200);
  },
);

products.openapi(
  createRoute(
    withAccess('admin', {
      method: 'post',
      path: '/v1/products',
      summary:
        'Create a product (admin). The SKU is unique (409 when taken); a price in a currency the ledgers cannot charge is a 400.',
      request: { body: { content: json(CreateProductInputSchema), required: true } },
      responses: {
        201: {
          description: 'the product as created',
          headers: documentedHeaders('Location', 'ETag'),
          content: json(ProductSchema),
        },
        ...problemResponses(400, 401, 403, 409, 413, 415, 503),
      },
    }),
  ),
  async (c) => {
    const body = c.req.valid('json');
    await requireChargeable(c, body.price.currency);
    const product = unwrap(
      await callUpstream('catalog', () => c.env.CATALOG.createProduct(body, metaOf(c)), {
        log: c.get('log'),
      }),
    );
    forgetWritten(c);
    c.header('location', `/v1/products/${product.id}`);
    c.header('etag', etagOf(product));
    return c.json(product, 201);
  },
);

products.openapi(
  createRoute(
    withAccess('admin', {
      method: 'patch',
      path: '/v1/products/{id}',
      summary:
        'Change some fields of a product (admin); bumps version and updatedAt. With If-Match, a stale ETag (or any If-Match on a missing product) is 412 and changes nothing.',
      request: {
        params: ProductParams,
        headers: z.object({
          'if-match': z.string().max(1024).optional().openapi({
            description:
              'The ETag last read (or *). Compared by the product version it carries: another write since then is 412 precondition_failed.',
          }),
        }),
        body: { content: json(UpdateProductInputSchema), required: true },
      },
      responses: {
        200: {
          description: 'the product as updated',
          headers: documentedHeaders('ETag'),
          content: json(ProductSchema),
        },
        ...problemResponses(400, 401, 403, 404, 409, 412, 413, 415, 503),
      },
    }),
  ),
  async (c) => {
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    if (patch.price) await requireChargeable(c, patch.price.currency);
    const ifMatch = c.req.valid('header')['if-match'];
    const accepted = ifMatch === undefined ? undefined : ifMatchVersions(ifMatch, id);
    if (Array.isArray(accepted) && accepted.length === 0) throw stale(id);
    const condition = Array.isArray(accepted) ? { ifVersions: accepted } : {};
    const result = await callUpstream(
      'catalog',
      () => c.env.CATALOG.updateProduct(id, patch, metaOf(c), condition),
      { log: c.get('log') },
    );
    // If-Match on a product that does not exist fails too (RFC 9110 §13.1.1).
    if (accepted !== undefined && !result.ok && result.problem.status === 404) throw stale(id);
    const product = unwrap(result);
    forgetWritten(c, product);
    c.header('etag', etagOf(product));
    return c.json(product, 200);
  },
);

products.openapi(
  createRoute(
    withAccess('admin', {
      method: 'delete',
      path: '/v1/products/{id}',
      summary: 'Delete a product (admin).',
      request: { params: ProductParams },
      responses: {
        204: { description: 'deleted' },
        ...problemResponses(401, 403, 404, 409, 503),
      },
    }),
  ),
  async (c) => {
    const { id } = c.req.valid('param');
    unwrap(
      await callUpstream('catalog', () => c.env.CATALOG.deleteProduct(id, metaOf(c)), {
        log: c.get('log'),
      }),
    );
    forgetWritten(c, { id });
    return c.body(null, 204);
  },
);

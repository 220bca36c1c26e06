/**
 * The OpenAPI document is complete enough for a generated client: every
 * operation lists the statuses the pipeline can answer for it and the
 * headers it sends; (idem) routes declare Idempotency-Key as a required
 * header parameter; routes that set Location, ETag or the consistency token
 * declare them; `email` has format email; the saga inspection has a schema.
 * (That no route answers a status its document omits is checked after every
 * gateway test file: test/setup/documented-statuses.ts.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../../test/support/clients';

type Json = Record<string, unknown>;
interface Operation {
  'x-access': string;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  responses: Record<string, { headers?: Record<string, unknown>; content?: Json }>;
}
let doc: { paths: Record<string, Record<string, Operation>>; components: Json };

beforeAll(async () => {
  doc = (await (await call('GET', '/openapi.json')).json()) as typeof doc;
});

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );
const op = (method: string, path: string): Operation => {
  const found = doc.paths[path]?.[method];
  if (!found) throw new Error(`no ${method} ${path} in the document`);
  return found;
};
const headersOf = (o: Operation, status: string) => Object.keys(o.responses[status]?.headers ?? {});

/** The (idem) routes of the contract: the key is required. */
const IDEMPOTENT = ['/v1/orders', '/v1/transfers', '/v1/accounts/me/deposits'];

describe('the OpenAPI document', () => {
  it('every response of every operation declares X-Request-Id; errors are problem+json', () => {
    for (const { path, method, op: o } of operations()) {
      for (const [status, response] of Object.entries(o.responses)) {
        expect(Object.keys(response.headers ?? {}), `${method} ${path} ${status}`).toContain(
          'X-Request-Id',
        );
        if (status === 'default' || Number(status) >= 400) {
          const types = Object.keys(response.content ?? {});
          if (path !== '/health/ready')
            expect(types, `${method} ${path} ${status}`).toContain('application/problem+json');
        }
      }
      expect(o.responses.default, `${method} ${path}`).toBeDefined();
    }
  });

  it('lists the pipeline’s statuses: 400/401 everywhere, 403 by access, 413/415 for bodies, 429, 503', () => {
    for (const { path, method, op: o } of operations()) {
      const statuses = Object.keys(o.responses);
      const what = `${method} ${path}`;
      expect(statuses, what).toEqual(expect.arrayContaining(['400', '401']));
      if (o['x-access'] !== 'public') expect(statuses, what).toContain('403');
      if (['post', 'put', 'patch'].includes(method))
        expect(statuses, what).toEqual(expect.arrayContaining(['413', '415']));
      if (!path.startsWith('/health')) {
        expect(statuses, what).toContain('429');
        expect(headersOf(o, '429'), what).toEqual(
          expect.arrayContaining([
            'Retry-After',
            'RateLimit-Limit',
            'RateLimit-Remaining',
            'RateLimit-Reset',
          ]),
        );
      }
      if (!path.startsWith('/health') && !path.startsWith('/v1/admin/') && path !== '/metrics') {
        expect(statuses, what).toContain('503');
        expect(headersOf(o, '503'), what).toContain('Retry-After');
      }
      expect(headersOf(o, '401'), what).toContain('WWW-Authenticate');
    }
  });

  it('declares Idempotency-Key as a required header on the (idem) routes, optional on restock', () => {
    for (const path of IDEMPOTENT) {
      const o = op('post', path);
      expect(o.parameters, path).toContainEqual(
        expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }),
      );
      expect(Object.keys(o.responses), path).toEqual(expect.arrayContaining(['409', '422']));
      expect(headersOf(o, '409'), path).toContain('Retry-After');
      const success = Object.keys(o.responses).find((s) => s.startsWith('2')) ?? '';
      expect(headersOf(o, success), path).toContain('Idempotent-Replayed');
    }
    expect(op('post', '/v1/inventory/{sku}/restock').parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', required: false }),
    );
    expect(op('get', '/v1/orders').parameters ?? []).not.toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key' }),
    );
  });

  it('declares Location, ETag and the consistency token where routes set them', () => {
    expect(headersOf(op('post', '/v1/orders'), '202')).toContain('Location');
    expect(headersOf(op('post', '/v1/transfers'), '202')).toContain('Location');
    expect(headersOf(op('post', '/v1/products'), '201')).toEqual(
      expect.arrayContaining(['Location', 'ETag']),
    );
    expect(headersOf(op('patch', '/v1/products/{id}'), '200')).toContain('ETag');
    expect(headersOf(op('get', '/v1/products/{id}'), '200').map((h) => h.toLowerCase())).toContain(
      'etag',
    );
    expect(headersOf(op('get', '/v1/accounts/me'), '200')).toContain('X-Consistency-Token');
    expect(headersOf(op('post', '/v1/accounts/me/deposits'), '201')).toContain(
      'X-Consistency-Token',
    );
    expect(op('get', '/v1/accounts/me/transactions').parameters).toContainEqual(
      expect.objectContaining({ name: 'X-Consistency-Token', in: 'header' }),
    );
    expect(Object.keys(op('patch', '/v1/products/{id}').responses)).toContain('412');
    const headers = doc.components.headers as Record<string, { schema: Json }>;
    expect(headers['Retry-After']?.schema).toEqual({ type: 'integer', minimum: 0 });
  });

  it('names every operation with a unique operationId (generated clients’ method names)', () => {
    const ids = operations().map(
      ({ op: o }) => (o as Operation & { operationId?: string }).operationId,
    );
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect((op('get', '/v1/orders/{id}') as Operation & { operationId?: string }).operationId).toBe(
      'getOrdersById',
    );
  });

  it('gives email the email format and the saga inspection a real schema', () => {
    const schemas = doc.components.schemas as Record<string, { properties: Record<string, Json> }>;
    for (const name of ['RegisterRequest', 'LoginRequest', 'EnsureAdminRequest']) {
      expect(schemas[name]?.properties.email, name).toMatchObject({
        type: 'string',
        format: 'email',
      });
    }
    const saga = schemas.SagaInspection;
    expect(Object.keys(saga?.properties ?? {})).toEqual(
      expect.arrayContaining(['orderId', 'status', 'log', 'undelivered', 'compensation']),
    );
    const ok = op('get', '/v1/admin/sagas/{orderId}').responses['200']?.content as Json;
    expect(JSON.stringify(ok)).toContain('#/components/schemas/SagaInspection');
  });
});

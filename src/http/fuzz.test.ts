/**
 * Property: no request body, path parameter, query string or credential
 * header a client can send makes any documented route answer 5xx; every
 * refusal is problem+json with a matching status. Bodies are generated per
 * route from its OpenAPI schema (mostly-valid values, so many get past
 * validation and reach the services), plus privilege-escalating extras
 * (`roles`, `price`, unknown fields), arbitrary JSON and non-JSON text.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, operatorKey, register } from '../../test/support/clients';

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  maxLength?: number;
};

const ascii = (maxLength = 80) => fc.string({ unit: 'grapheme-ascii', maxLength });

/** Mostly a valid value, sometimes a wrong one. */
const mostly = <T>(valid: fc.Arbitrary<T>, ...wrong: fc.Arbitrary<unknown>[]) =>
  fc.oneof(
    { weight: 4, arbitrary: valid },
    ...wrong.map((arbitrary) => ({ weight: 1, arbitrary })),
  );

/** Generators for field names the API uses, valid most of the time. */
const KNOWN: Record<string, fc.Arbitrary<unknown>> = {
  email: mostly(
    fc.tuple(fc.stringMatching(/^[a-z0-9.]{1,20}$/), fc.domain()).map(([l, d]) => `${l}@${d}`),
    fc.emailAddress(),
    ascii(300),
  ),
  password: mostly(fc.string({ minLength: 8, maxLength: 128 }), ascii(140), fc.jsonValue()),
  refreshToken: mostly(fc.stringMatching(/^rt_[A-Za-z0-9_-]{43}$/), ascii(300)),
  quantity: mostly(fc.integer({ min: 1, max: 1_000_000 }), fc.double(), fc.bigInt().map(String)),
};

function fieldArbitrary(name: string, schema: Schema): fc.Arbitrary<unknown> {
  const known = KNOWN[name];
  if (known) return known;
  if (schema.enum?.length) return mostly(fc.constantFrom(...schema.enum), ascii(12));
  if (schema.type === 'string')
    return mostly(fc.string({ maxLength: schema.maxLength ?? 100 }), fc.jsonValue());
  if (schema.type === 'integer') return mostly(fc.integer(), fc.double(), ascii(10));
  if (schema.type === 'number') return mostly(fc.double(), ascii(10));
  if (schema.type === 'boolean') return mostly(fc.boolean(), fc.jsonValue());
  return fc.jsonValue({ maxDepth: 3 });
}

function bodyArbitrary(schema: Schema): fc.Arbitrary<string> {
  const properties = schema.properties ?? {};
  const fields = Object.fromEntries(
    Object.entries(properties).map(([name, s]) => [name, fieldArbitrary(name, s)]),
  );
  const shaped = fc.record(fields, { requiredKeys: schema.required ?? [] });
  const escalating = fc.record(
    {
      ...fields,
      roles: fc.constant(['admin']),
      price: fc.jsonValue(),
      region: ascii(8),
      extra: fc.jsonValue(),
    },
    { requiredKeys: [] },
  );
  return fc.oneof(
    { weight: 4, arbitrary: shaped.map((b) => JSON.stringify(b)) },
    { weight: 2, arbitrary: escalating.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  );
}

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom('application/json', 'application/json; charset=utf-8') },
  {
    weight: 1,
    arbitrary: fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', undefined),
  },
);

interface Operation {
  method: string;
  path: string;
  body?: Schema;
}

let operations: Operation[] = [];
let customerToken = '';

beforeAll(async () => {
  customerToken = (await register()).accessToken;
  const doc = (await (await call('GET', '/openapi.json')).json()) as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content: Record<string, { schema: Schema }> } }>
    >;
    components?: { schemas?: Record<string, Schema> };
  };
  const resolve = (s: Schema | undefined): Schema | undefined =>
    s?.$ref ? doc.components?.schemas?.[s.$ref.replace('#/components/schemas/', '')] : s;
  operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => {
      const body = resolve(op.requestBody?.content['application/json']?.schema);
      return { method: method.toUpperCase(), path, ...(body ? { body } : {}) };
    }),
  );
});

async function assertNoServerError(res: Response, what: string): Promise<void> {
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 400) {
    expect(res.headers.get('content-type'), what).toBe('application/problem+json');
    const problem = (await res.json()) as { status: number };
    expect(problem.status, what).toBe(res.status);
  } else {
    await res.arrayBuffer();
  }
}

describe('fuzz: bad input never yields a 5xx', () => {
  it('covers every documented route, with a body schema where the route takes one', () => {
    expect(operations.length).toBeGreaterThanOrEqual(12);
    const withBody = operations.filter((o) => o.body).map((o) => o.path);
    expect(withBody).toEqual(
      expect.arrayContaining(['/v1/auth/register', '/v1/auth/login', '/v1/auth/refresh']),
    );
  });

  it('on every route, for arbitrary bodies, params, queries and credentials', async () => {
    for (const op of operations) {
      await fc.assert(
        fc.asyncProperty(
          op.body ? bodyArbitrary(op.body) : fc.constant(undefined),
          contentType,
          fc.array(mostly(fc.stringMatching(/^[A-Z0-9-]{1,20}$/), fc.string({ maxLength: 40 })), {
            minLength: 1,
            maxLength: 2,
          }),
          fc.dictionary(ascii(12), fc.string({ maxLength: 40 }), { maxKeys: 3 }),
          fc.constantFrom('none', 'customer', 'operator', 'garbage'),
          fc.option(ascii(220)),
          async (text, type, segments, query, who, idempotencyKey) => {
            let i = 0;
            const path = op.path.replace(/\{[^}]+\}/g, () =>
              encodeURIComponent(String(segments[i++ % segments.length] ?? '')),
            );
            const qs = new URLSearchParams(query).toString();
            const headers: Record<string, string> = {};
            if (type && text !== undefined) headers['content-type'] = type;
            if (idempotencyKey !== null) headers['idempotency-key'] = idempotencyKey;
            if (who === 'garbage') headers.authorization = `Bearer ${String(segments[0] ?? '')}`;
            const res = await call(op.method, qs ? `${path}?${qs}` : path, {
              ...(text !== undefined ? { body: text } : {}),
              headers,
              ...(who === 'customer' ? { token: customerToken } : {}),
              ...(who === 'operator' ? { apiKey: operatorKey() } : {}),
            });
            await assertNoServerError(res, `${op.method} ${path} ${text ?? ''}`);
          },
        ),
        { numRuns: op.body ? 80 : 25 },
      );
    }
  }, 180_000);
});

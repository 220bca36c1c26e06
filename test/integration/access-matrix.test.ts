/**
 * Every route × {anonymous, customer, other customer, admin, operator}.
 * The table below is the expected access of each route, written
 * independently of the code; the test also fails when a route exists in
 * /openapi.json without a row here, or declares (x-access) another level
 * than its row. Add a row with each new route.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  type CallOptions,
  call,
  operatorKey,
  PASSWORD,
  register,
  type TokenPair,
  uniqueEmail,
} from '../support/clients';

type Caller = 'anonymous' | 'customer' | 'otherCustomer' | 'admin' | 'operator';
type Level = 'public' | 'customer' | 'admin' | 'operator';
const CALLERS: Caller[] = ['anonymous', 'customer', 'otherCustomer', 'admin', 'operator'];

interface Row {
  method: string;
  /** OpenAPI path template; `concrete` is what is requested. */
  path: string;
  concrete?: string;
  level: Level;
  /** Status of a well-formed request by an allowed caller. */
  success: number;
  /** Extra request parts (body, headers), built fresh per call. */
  request?: () => Promise<CallOptions> | CallOptions;
  /** Extra checks on an allowed caller's response (ownership). */
  check?: (res: Response, caller: Caller) => Promise<void>;
  /** Routes that are not in the OpenAPI document. */
  undocumented?: boolean;
}

let users: Record<'customer' | 'otherCustomer' | 'admin', TokenPair & { email: string }>;

const ROWS: Row[] = [
  { method: 'GET', path: '/health', level: 'public', success: 200 },
  { method: 'GET', path: '/health/ready', level: 'public', success: 200 },
  { method: 'GET', path: '/openapi.json', level: 'public', success: 200, undocumented: true },
  { method: 'GET', path: '/docs', level: 'public', success: 200, undocumented: true },
  { method: 'GET', path: '/.well-known/jwks.json', level: 'public', success: 200 },
  {
    method: 'POST',
    path: '/v1/auth/register',
    level: 'public',
    success: 201,
    request: () => ({ body: { email: uniqueEmail(), password: PASSWORD } }),
  },
  {
    method: 'POST',
    path: '/v1/auth/login',
    level: 'public',
    success: 200,
    request: () => ({ body: { email: users.customer.email, password: PASSWORD } }),
  },
  {
    method: 'POST',
    path: '/v1/auth/refresh',
    level: 'public',
    success: 200,
    request: async () => ({ body: { refreshToken: (await register()).refreshToken } }),
  },
  { method: 'POST', path: '/v1/auth/logout', level: 'customer', success: 204 },
  {
    method: 'GET',
    path: '/v1/me',
    level: 'customer',
    success: 200,
    // Each customer sees their own account, never someone else's.
    check: async (res, caller) => {
      if (caller === 'anonymous' || caller === 'operator') return;
      const body = (await res.json()) as { customerId: string };
      expect(body.customerId).toBe(users[caller].customerId);
    },
  },
  {
    method: 'PUT',
    path: '/v1/admin/admins',
    level: 'operator',
    success: 200,
    request: () => ({ body: { email: uniqueEmail('adm'), password: PASSWORD } }),
  },
  { method: 'GET', path: '/v1/products', level: 'public', success: 200 },
  {
    method: 'GET',
    path: '/v1/products/{id}',
    concrete: '/v1/products/prd_00000000000000000000000000',
    level: 'public',
    success: 404,
  },
  {
    method: 'GET',
    path: '/v1/inventory/{sku}',
    concrete: '/v1/inventory/MATRIX-1',
    level: 'public',
    success: 200,
  },
  {
    method: 'POST',
    path: '/v1/inventory/{sku}/restock',
    concrete: '/v1/inventory/MATRIX-1/restock',
    level: 'admin',
    success: 200,
    request: () => ({ body: { quantity: 1 } }),
  },
];

function expected(row: Row, caller: Caller): number {
  const allowed: Record<Level, Caller[]> = {
    public: CALLERS,
    customer: ['customer', 'otherCustomer', 'admin'],
    admin: ['admin', 'operator'],
    operator: ['operator'],
  };
  if (allowed[row.level].includes(caller)) return row.success;
  return caller === 'anonymous' ? 401 : 403;
}

function credentials(caller: Caller): CallOptions {
  if (caller === 'anonymous') return {};
  if (caller === 'operator') return { apiKey: operatorKey() };
  return { token: users[caller].accessToken };
}

beforeAll(async () => {
  const [customer, otherCustomer, adminUser] = await Promise.all([register(), register(), admin()]);
  users = { customer, otherCustomer, admin: adminUser };
});

describe('access matrix', () => {
  it('has a row for every documented route, at the level the route declares', async () => {
    const doc = (await (await call('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { 'x-access'?: string }>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        declared: op['x-access'] ?? 'public',
      })),
    );
    const rows = new Map(
      ROWS.filter((r) => !r.undocumented).map((r) => [`${r.method} ${r.path}`, r]),
    );
    for (const { key, declared } of documented) {
      expect(rows.has(key), `no access-matrix row for ${key}`).toBe(true);
      expect(declared, `${key} declares ${declared}`).toBe(rows.get(key)?.level);
    }
    expect([...rows.keys()].sort()).toEqual(documented.map((d) => d.key).sort());
  });

  for (const row of ROWS) {
    it(`${row.method} ${row.path} is ${row.level}`, async () => {
      for (const caller of CALLERS) {
        const extra = (await row.request?.()) ?? {};
        const res = await call(row.method, row.concrete ?? row.path, {
          ...extra,
          ...credentials(caller),
        });
        expect(res.status, `${caller} → ${row.method} ${row.path}`).toBe(expected(row, caller));
        if (res.status >= 400) {
          expect(res.headers.get('content-type')).toBe('application/problem+json');
        } else {
          await row.check?.(res, caller);
        }
      }
    });
  }
});

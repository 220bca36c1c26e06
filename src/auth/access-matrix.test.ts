/**
 * Every route × {anonymous, customer, other customer, admin, operator}.
 * The table below is the expected access of each route, written
 * independently of the code; the test also fails when a route exists in
 * /openapi.json without a row here, declares no level (x-access), or
 * declares another level than its row. Add a row with each new route.
 * Each row sends a realistic request that succeeds for an allowed caller
 * (resources it needs are seeded through the API or test fixtures), so a
 * refusal can only come from the access rule; resources owned by `customer`
 * answer 404 to the other allowed callers that do not own them.
 */
import { accountIdOf } from '@common/contracts/payments';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  admin,
  type CallOptions,
  call,
  deposit,
  newKey,
  operatorKey,
  PASSWORD,
  postIdempotent,
  readAccount,
  register,
  type TokenPair,
  uniqueEmail,
} from '../../test/support/clients';
import { clearFaults, holdReservations } from '../../test/support/faults';
import { insertDeadLetter, insertProduct } from '../../test/support/fixtures';
import { devWebhookSecret, topUpEvent } from '../../test/support/provider';
import { signWebhook } from '../funding/signature';

type Caller = 'anonymous' | 'customer' | 'otherCustomer' | 'admin' | 'operator';
type Level = 'public' | 'customer' | 'owner' | 'admin' | 'operator';
const CALLERS: Caller[] = ['anonymous', 'customer', 'otherCustomer', 'admin', 'operator'];

interface Row {
  method: string;
  /** OpenAPI path template; `concrete` is what is requested (built per call when a function). */
  path: string;
  concrete?: string | (() => Promise<string> | string);
  level: Level;
  /** Status of a well-formed request by an allowed caller. */
  success: number;
  /**
   * Allowed callers that are not the owner of the resource `concrete` names:
   * another customer's order or transfer is a 404, exactly like a missing one.
   */
  notOwner?: Partial<Record<Caller, number>>;
  /** Extra request parts (body, headers), built fresh per call. */
  request?: () => Promise<CallOptions> | CallOptions;
  /** Extra checks on an allowed caller's response (ownership). */
  check?: (res: Response, caller: Caller) => Promise<void>;
  /** Routes that are not in the OpenAPI document. */
  undocumented?: boolean;
}

type User = TokenPair & { email: string };
let users: Record<'customer' | 'otherCustomer' | 'admin', User>;

/** Resources the rows act on; `customer` owns the order and the transfer. */
let seed: {
  payee: User;
  product: { id: string; sku: string };
  /** In the cart of every caller that may check out, for its one checkout. */
  cartProduct: { id: string; sku: string };
  orderId: string;
  transferId: string;
};

const idem = (body: unknown): CallOptions => ({ body, headers: { 'idempotency-key': newKey() } });

/** Places an order as `customer` and answers its id. */
async function placeOrder(): Promise<string> {
  const res = await postIdempotent('/v1/orders', users.customer.accessToken, {
    items: [{ sku: seed.product.sku, quantity: 1 }],
  });
  if (res.status !== 202) throw new Error(`place order: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { orderId: string }).orderId;
}

/**
 * An order that stays PENDING long enough to be cancelled: a saga meets no
 * fault and ends within milliseconds, so its reserve is held back (inventory
 * fails, directly and over its queue, while the order is placed; the queue
 * retries it a second later).
 */
async function pendingOrder(): Promise<string> {
  await holdReservations({ ttlSeconds: 30 });
  try {
    return await placeOrder();
  } finally {
    await clearFaults();
  }
}

/** The Location of a 202 names the resource in its body. */
const locates = (collection: string, idField: string) => async (res: Response) => {
  const body = (await res.json()) as Record<string, string>;
  expect(res.headers.get('location')).toBe(`${collection}/${body[idField]}`);
};

const ROWS: Row[] = [
  { method: 'GET', path: '/health', level: 'public', success: 200 },
  { method: 'GET', path: '/health/ready', level: 'public', success: 200 },
  { method: 'GET', path: '/openapi.json', level: 'public', success: 200, undocumented: true },
  { method: 'GET', path: '/docs', level: 'public', success: 200, undocumented: true },
  // The operations console: a public page; its data comes from the admin routes.
  { method: 'GET', path: '/console', level: 'public', success: 200, undocumented: true },
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
    concrete: () => `/v1/products/${seed.product.id}`,
    level: 'public',
    success: 200,
  },
  {
    method: 'POST',
    path: '/v1/products',
    level: 'admin',
    success: 201,
    request: () => {
      const sku = `MATRIX-${crypto.randomUUID().slice(0, 8)}`;
      return {
        body: {
          sku,
          name: `Matrix ${sku}`,
          category: 'matrix',
          price: { amount: 500, currency: 'USD' },
        },
      };
    },
  },
  {
    method: 'PATCH',
    path: '/v1/products/{id}',
    concrete: () => `/v1/products/${seed.product.id}`,
    level: 'admin',
    success: 200,
    request: () => ({ body: { name: `Renamed ${crypto.randomUUID().slice(0, 8)}` } }),
  },
  {
    method: 'DELETE',
    path: '/v1/products/{id}',
    // A product per call: each allowed caller deletes one that exists.
    concrete: async () => `/v1/products/${(await insertProduct({ category: 'matrix' })).id}`,
    level: 'admin',
    success: 204,
  },
  {
    method: 'GET',
    path: '/v1/inventory/{sku}',
    concrete: '/v1/inventory/MRD-TEE-001',
    level: 'public',
    success: 200,
  },
  {
    method: 'POST',
    path: '/v1/inventory/{sku}/restock',
    concrete: '/v1/inventory/MRD-TEE-001/restock',
    level: 'admin',
    success: 200,
    request: () => ({ body: { quantity: 1 } }),
  },
  {
    method: 'GET',
    path: '/v1/accounts/me',
    level: 'customer',
    success: 200,
    // Each customer reads their own account.
    check: async (res, caller) => {
      if (caller === 'anonymous' || caller === 'operator') return;
      const body = (await res.json()) as { accountId: string };
      expect(body.accountId).toBe(accountIdOf(users[caller].customerId));
    },
  },
  {
    method: 'POST',
    path: '/v1/accounts/me/deposits',
    level: 'customer',
    success: 201,
    request: () => idem({ amount: 100 }),
  },
  {
    method: 'POST',
    path: '/v1/webhooks/payments',
    // Public at the HTTP level: the provider's signature is the credential.
    level: 'public',
    success: 200,
    request: async () => {
      const raw = JSON.stringify(topUpEvent(users.customer.customerId, 1));
      const t = Math.floor(Date.now() / 1000);
      const signature = await signWebhook(devWebhookSecret(), t, raw);
      return { body: raw, headers: { 'meridian-signature': signature } };
    },
  },
  {
    method: 'POST',
    path: '/v1/admin/accounts/{customerId}/credits',
    concrete: () => `/v1/admin/accounts/${users.customer.customerId}/credits`,
    level: 'admin',
    success: 201,
    request: () => idem({ amount: 1, reason: 'access matrix' }),
  },
  {
    method: 'GET',
    path: '/v1/admin/accounts/{customerId}/credits',
    concrete: () => `/v1/admin/accounts/${users.customer.customerId}/credits`,
    level: 'admin',
    success: 200,
  },
  {
    method: 'GET',
    path: '/v1/accounts/me/events',
    concrete: () => `/v1/accounts/me/events?until=${new Date().toISOString()}`,
    level: 'customer',
    success: 200,
  },
  { method: 'GET', path: '/v1/accounts/me/transactions', level: 'customer', success: 200 },
  {
    method: 'POST',
    path: '/v1/transfers',
    level: 'customer',
    success: 202,
    request: () => idem({ toCustomerId: seed.payee.customerId, amount: 1 }),
    check: locates('/v1/transfers', 'transferId'),
  },
  {
    method: 'GET',
    path: '/v1/transfers/{id}',
    concrete: () => `/v1/transfers/${seed.transferId}`,
    level: 'customer',
    success: 200,
    // A transfer is read at its sender's ledger: no one else, admins included, sees it.
    notOwner: { otherCustomer: 404, admin: 404 },
  },
  {
    method: 'POST',
    path: '/v1/orders',
    level: 'customer',
    success: 202,
    request: () => idem({ items: [{ sku: seed.product.sku, quantity: 1 }] }),
    check: locates('/v1/orders', 'orderId'),
  },
  { method: 'GET', path: '/v1/orders', level: 'customer', success: 200 },
  {
    method: 'GET',
    path: '/v1/orders/{id}',
    concrete: () => `/v1/orders/${seed.orderId}`,
    level: 'owner',
    success: 200,
    // Owner, admin or operator: another customer gets a 404; an admin JWT and the operator key read anyone's order.
    notOwner: { otherCustomer: 404 },
    check: async (res) => {
      expect(((await res.json()) as { orderId: string }).orderId).toBe(seed.orderId);
    },
  },
  {
    method: 'POST',
    path: '/v1/orders/{id}/cancel',
    // A fresh, pending order per call, so the owner's cancel is never refused as already terminal.
    concrete: async () => `/v1/orders/${await pendingOrder()}/cancel`,
    level: 'customer',
    success: 200,
    notOwner: { otherCustomer: 404, admin: 404 },
  },
  { method: 'GET', path: '/v1/notifications', level: 'customer', success: 200 },
  { method: 'GET', path: '/metrics', level: 'admin', success: 200 },
  { method: 'GET', path: '/v1/admin/faults', level: 'admin', success: 200 },
  {
    method: 'PUT',
    path: '/v1/admin/faults',
    level: 'admin',
    success: 200,
    // A rule for a queue nothing consumes, so no other request is affected.
    request: () => ({
      body: {
        rules: [
          { target: 'queue:access-matrix', kind: 'latency', rate: 1, latencyMs: 1, ttlSeconds: 5 },
        ],
      },
    }),
  },
  { method: 'DELETE', path: '/v1/admin/faults', level: 'admin', success: 200 },
  { method: 'GET', path: '/v1/admin/flags', level: 'admin', success: 200 },
  {
    method: 'PUT',
    path: '/v1/admin/flags/{name}',
    concrete: '/v1/admin/flags/catalog.edge_cache',
    level: 'admin',
    success: 200,
    // The flag's default state, so no other request is affected.
    request: () => ({ body: { enabled: true } }),
  },
  {
    method: 'DELETE',
    path: '/v1/admin/flags/{name}',
    concrete: '/v1/admin/flags/catalog.edge_cache',
    level: 'admin',
    success: 200,
  },
  { method: 'GET', path: '/v1/admin/orders', level: 'admin', success: 200 },
  {
    method: 'GET',
    path: '/v1/admin/stock',
    concrete: '/v1/admin/stock?category=matrix',
    level: 'admin',
    success: 200,
  },
  { method: 'GET', path: '/v1/admin/dead-letters', level: 'admin', success: 200 },
  { method: 'GET', path: '/v1/admin/analytics', level: 'admin', success: 200 },
  {
    method: 'POST',
    path: '/v1/admin/dead-letters/{id}/replay',
    // A letter per call: a letter replays once (a second replay is 409).
    concrete: async () => `/v1/admin/dead-letters/${await insertDeadLetter()}/replay`,
    level: 'admin',
    success: 202,
  },
  {
    method: 'GET',
    path: '/v1/admin/sagas/{orderId}',
    concrete: () => `/v1/admin/sagas/${seed.orderId}`,
    level: 'admin',
    success: 200,
  },
  { method: 'GET', path: '/v1/cart', level: 'customer', success: 200 },
  {
    method: 'POST',
    path: '/v1/cart/items',
    level: 'customer',
    success: 200,
    request: () => ({ body: { sku: seed.product.sku, quantity: 1 } }),
  },
  {
    method: 'DELETE',
    path: '/v1/cart/items/{sku}',
    concrete: () => `/v1/cart/items/${seed.product.sku}`,
    level: 'customer',
    success: 200,
  },
  {
    method: 'POST',
    path: '/v1/cart/checkout',
    level: 'customer',
    success: 202,
    request: () => idem(undefined),
    check: locates('/v1/orders', 'orderId'),
  },
  {
    method: 'GET',
    path: '/v1/admin/carts/{customerId}/replicas',
    concrete: () => `/v1/admin/carts/${users.customer.customerId}/replicas`,
    level: 'admin',
    success: 200,
  },
  { method: 'GET', path: '/v1/me/preferences', level: 'customer', success: 200 },
  {
    method: 'PUT',
    path: '/v1/me/preferences',
    level: 'customer',
    success: 200,
    request: () => ({ body: { theme: 'dark' } }),
  },
  {
    method: 'GET',
    path: '/v1/admin/preferences/{customerId}/replicas',
    concrete: () => `/v1/admin/preferences/${users.customer.customerId}/replicas`,
    level: 'admin',
    success: 200,
  },
];

function expected(row: Row, caller: Caller): number {
  const allowed: Record<Level, Caller[]> = {
    public: CALLERS,
    customer: ['customer', 'otherCustomer', 'admin'],
    owner: ['customer', 'otherCustomer', 'admin', 'operator'],
    admin: ['admin', 'operator'],
    operator: ['operator'],
  };
  if (allowed[row.level].includes(caller)) return row.notOwner?.[caller] ?? row.success;
  return caller === 'anonymous' ? 401 : 403;
}

function credentials(caller: Caller): CallOptions {
  if (caller === 'anonymous') return {};
  if (caller === 'operator') return { apiKey: operatorKey() };
  return { token: users[caller].accessToken };
}

/** The contract's response headers: any the gateway sends must be declared for that status. */
const CONTRACT_HEADERS = [
  'x-request-id',
  'location',
  'etag',
  'x-consistency-token',
  'idempotent-replayed',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'retry-after',
  'www-authenticate',
  'x-d1-bookmark',
];
let documentedHeaders: (method: string, path: string, status: number) => string[];

function expectHeadersDocumented(row: Row, res: Response): void {
  const declared = documentedHeaders(row.method, row.path, res.status);
  const sent = CONTRACT_HEADERS.filter((h) => res.headers.has(h));
  expect(declared, `${row.method} ${row.path} ${res.status} headers`).toEqual(
    expect.arrayContaining(sent),
  );
}

beforeAll(async () => {
  const doc = (await (await call('GET', '/openapi.json')).json()) as {
    paths: Record<string, Record<string, { responses: Record<string, { headers?: object }> }>>;
  };
  documentedHeaders = (method, path, status) =>
    Object.keys(doc.paths[path]?.[method.toLowerCase()]?.responses[status]?.headers ?? {}).map(
      (h) => h.toLowerCase(),
    );
  const [customer, otherCustomer, adminUser, payee] = await Promise.all([
    register(),
    register(),
    admin(),
    register(),
  ]);
  users = { customer, otherCustomer, admin: adminUser };
  // Every caller that may transfer has funds; the payee has an account to credit.
  await Promise.all([
    ...Object.values(users).map((u) => deposit(u.accessToken, 10_000)),
    readAccount(payee.accessToken),
  ]);
  const product = await insertProduct({ category: 'matrix' });
  const cartProduct = await insertProduct({ category: 'matrix' });
  seed = {
    payee,
    product,
    cartProduct,
    orderId: '',
    transferId: '',
  };
  for (const user of Object.values(users)) {
    const res = await call('POST', '/v1/cart/items', {
      token: user.accessToken,
      body: { sku: cartProduct.sku, quantity: 1 },
    });
    if (res.status !== 200) throw new Error(`cart add: ${res.status} ${await res.text()}`);
  }
  seed.orderId = await placeOrder();
  const transfer = await postIdempotent('/v1/transfers', customer.accessToken, {
    toCustomerId: payee.customerId,
    amount: 10,
  });
  if (transfer.status !== 202) throw new Error(`transfer: ${transfer.status}`);
  seed.transferId = ((await transfer.json()) as { transferId: string }).transferId;
});

describe('access matrix', () => {
  it('has a row for every documented route, at the level the route declares', async () => {
    const doc = (await (await call('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, { 'x-access'?: string }>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        key: `${method.toUpperCase()} ${path}`,
        declared: op['x-access'],
      })),
    );
    const rows = new Map(
      ROWS.filter((r) => !r.undocumented).map((r) => [`${r.method} ${r.path}`, r]),
    );
    for (const { key, declared } of documented) {
      expect(rows.has(key), `no access-matrix row for ${key}`).toBe(true);
      expect(declared, `${key} declares ${declared ?? 'no x-access'}`).toBe(rows.get(key)?.level);
    }
    expect([...rows.keys()].sort()).toEqual(documented.map((d) => d.key).sort());
  });

  for (const row of ROWS) {
    it(`${row.method} ${row.path} is ${row.level}`, async () => {
      for (const caller of CALLERS) {
        const extra = (await row.request?.()) ?? {};
        const path = typeof row.concrete === 'function' ? await row.concrete() : row.concrete;
        const res = await call(row.method, path ?? row.path, {
          ...extra,
          ...credentials(caller),
        });
        expect(res.status, `${caller} → ${row.method} ${row.path}`).toBe(expected(row, caller));
        if (!row.undocumented) expectHeadersDocumented(row, res);
        if (res.status >= 400) {
          expect(res.headers.get('content-type')).toBe('application/problem+json');
        } else {
          await row.check?.(res, caller);
        }
      }
    });
  }
});

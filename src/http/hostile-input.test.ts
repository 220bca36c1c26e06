/**
 * Issue 17, findings 1 and 9: what an attacker sends is a clean 4xx and does
 * no harm to anyone else. Names of `Object.prototype` members (`__proto__`,
 * `constructor`, `toString`, …) in every input that is used as a key —
 * order SKUs, stock SKUs, categories, regions, fault targets — never reach
 * a lookup that sees the prototype, never count against any breaker, and
 * never come back as a validator's wording ("expected object, received
 * function").
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  call,
  deposit,
  newKey,
  okJson,
  operatorKey,
  register,
  type TokenPair,
} from '../../test/support/clients';
import { clearFaults, metric } from '../../test/support/faults';
import { insertProduct } from '../../test/support/fixtures';
import { gatewayUpstreams, resetUpstreams } from '../upstream/upstream';

const PROTOTYPE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  '__defineGetter__',
  'propertyIsEnumerable',
  'toLocaleString',
];

/** Phrases of zod's own messages: none may reach a client. */
const VALIDATOR_WORDING = /received|expected|Invalid input|function|undefined|NaN/;

interface ProblemBody {
  status: number;
  type: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

/** A 4xx problem whose every message is the project's own. */
async function cleanRefusal(res: Response, what: string): Promise<ProblemBody> {
  expect(res.status, what).toBeGreaterThanOrEqual(400);
  expect(res.status, what).toBeLessThan(500);
  expect(res.headers.get('content-type'), what).toBe('application/problem+json');
  const body = (await res.json()) as ProblemBody;
  for (const text of [body.detail, ...(body.errors ?? []).map((e) => e.message)]) {
    expect(text, what).not.toMatch(VALIDATOR_WORDING);
  }
  return body;
}

/**
 * A clean refusal, or — for a lookup whose key is well-formed but names
 * nothing (a category called `constructor`) — an empty answer.
 */
async function harmless(res: Response, what: string): Promise<void> {
  if (res.status !== 200) {
    await cleanRefusal(res, what);
    return;
  }
  expect(await res.json(), what).toEqual({ items: [], nextCursor: null });
}

/** Every hostile request of the barrage, labelled. */
function hostileRequests(customer: TokenPair): Array<[string, () => Promise<Response>]> {
  const order = (items: unknown) => () =>
    call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newKey() },
      body: { items },
    });
  const requests: Array<[string, () => Promise<Response>]> = [];
  for (const key of PROTOTYPE_KEYS) {
    requests.push(
      [`order sku ${key}`, order([{ sku: key, quantity: 1 }])],
      [
        `order sku ${key} beside a real one`,
        order([
          { sku: 'MRD-TEE-001', quantity: 1 },
          { sku: key, quantity: 1 },
        ]),
      ],
      [`order sku ${key} again`, order([{ sku: key, quantity: 2 }])],
      [`stock of ${key}`, () => call('GET', `/v1/inventory/${key}`)],
      [`stock in region ${key}`, () => call('GET', `/v1/inventory/MRD-TEE-001?region=${key}`)],
      [`category ${key}`, () => call('GET', `/v1/products?limit=37&category=${key}`)],
      [
        `restock of ${key}`,
        () =>
          call('POST', `/v1/inventory/${key}/restock`, {
            apiKey: operatorKey(),
            body: { quantity: 1, region: 'us' },
          }),
      ],
      [
        `fault target ${key}`,
        () =>
          call('PUT', '/v1/admin/faults', {
            apiKey: operatorKey(),
            body: { rules: [{ target: key, kind: 'error', rate: 1 }] },
          }),
      ],
      [
        `register in region ${key}`,
        () =>
          call('POST', '/v1/auth/register', {
            body: {
              email: `${key.replace(/_/g, 'x')}@example.test`,
              password: 'correct horse battery',
              region: key,
            },
          }),
      ],
      [`order id ${key}`, () => call('GET', `/v1/orders/${key}`, { token: customer.accessToken })],
    );
  }
  requests.push([`category *`, () => call('GET', '/v1/products?limit=37&category=*')]);
  return requests;
}

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});

describe('hostile input', () => {
  it('100 hostile requests get clean 4xx problems, leave every breaker closed, and a normal order still confirms', async () => {
    const attacker = await register({ region: 'us' });
    const failedBefore = new Map<string, number>();
    const upstreams = ['identity', 'catalog', 'inventory', 'payments', 'orders', 'notifications'];
    for (const u of upstreams) {
      failedBefore.set(
        u,
        await metric('meridian_upstream_calls_total', { upstream: u, outcome: 'failed' }),
      );
    }

    const requests = hostileRequests(attacker);
    expect(requests.length).toBeGreaterThanOrEqual(100);
    // In waves of 5 (the tests' catalog bulkhead holds 4 + 2 queued): each
    // wave's failures, were they counted, would open a breaker (5 in a row).
    for (let i = 0; i < requests.length; i += 5) {
      const wave = requests.slice(i, i + 5);
      const answers = await Promise.all(wave.map(([, send]) => send()));
      for (const [index, res] of answers.entries()) await harmless(res, wave[index]?.[0] ?? '');
    }

    for (const u of [...upstreams, ...gatewayUpstreams().names()]) {
      expect(gatewayUpstreams().status(u).breaker, u).toBe('closed');
      expect(await metric('meridian_breaker_state', { upstream: u, state: 'closed' }), u).toBe(1);
    }
    for (const u of upstreams) {
      const failed = await metric('meridian_upstream_calls_total', {
        upstream: u,
        outcome: 'failed',
      });
      expect(failed - (failedBefore.get(u) ?? 0), `failed calls to ${u}`).toBe(0);
    }

    // Another customer is unaffected: their order is placed and confirms.
    const sku = `HOSTILE-${crypto.randomUUID().slice(0, 8)}`;
    await insertProduct({ sku });
    const restocked = await call('POST', `/v1/inventory/${sku}/restock`, {
      apiKey: operatorKey(),
      body: { quantity: 3, region: 'us' },
    });
    expect(restocked.status).toBe(200);
    const customer = await register({ region: 'us' });
    await deposit(customer.accessToken, 10_000);
    const placed = await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newKey() },
      body: { items: [{ sku, quantity: 1 }] },
    });
    expect(placed.status).toBe(202);
    const { orderId } = await okJson<{ orderId: string }>(placed);
    const order = await okJson<{ status: string }>(
      await call('GET', `/v1/orders/${orderId}?waitMs=10000`, { token: customer.accessToken }),
    );
    expect(order.status).toBe('CONFIRMED');
  }, 120_000);

  it('a prototype name as a SKU is an unknown SKU, named as such, never a lookup hit', async () => {
    const customer = await register({ region: 'us' });
    for (const sku of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const res = await call('POST', '/v1/orders', {
        token: customer.accessToken,
        headers: { 'idempotency-key': newKey() },
        body: { items: [{ sku, quantity: 1 }] },
      });
      const problem = await cleanRefusal(res, sku);
      expect(problem.status).toBe(400);
      expect(problem.type).toMatch(/sku_unknown$/);
    }
    // `__proto__` cannot even be a SKU: it fails the format, with the field's own message.
    const res = await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newKey() },
      body: { items: [{ sku: '__proto__', quantity: 1 }] },
    });
    const problem = await cleanRefusal(res, '__proto__');
    expect(problem.errors).toContainEqual({
      path: 'items.0.sku',
      message: 'must be a SKU: letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
  });

  it('wrong types are described by what the field must be, never by what was received', async () => {
    const customer = await register({ region: 'us' });
    const res = await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newKey() },
      body: { items: [{ sku: 7, quantity: 'many' }, 'not an item'], extra: true },
    });
    const problem = await cleanRefusal(res, 'wrong types');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { path: 'items.0.sku', message: 'must be a string' },
        { path: 'items.0.quantity', message: 'must be a number' },
        { path: 'items.1', message: 'must be an object' },
        { path: '(root)', message: 'unknown field: "extra"' },
      ]),
    );
    const missing = await call('POST', '/v1/orders', {
      token: customer.accessToken,
      headers: { 'idempotency-key': newKey() },
      body: {},
    });
    expect((await cleanRefusal(missing, 'missing')).errors).toContainEqual({
      path: 'items',
      message: 'is required',
    });
  });
});

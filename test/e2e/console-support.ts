/**
 * What the console's browser tests do over HTTP (as a client, beside the
 * browser): customers, orders, dead letters; and the expressions they
 * evaluate in the page.
 */
import { expect, inject } from 'vitest';

const base = inject('baseUrl');
const adminKey = inject('adminApiKey');
export const PASSWORD = 'correct horse battery staple';

export async function send<T = Record<string, unknown>>(
  method: string,
  route: string,
  init: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Headers; body: T }> {
  const res = await fetch(`${base}${route}`, {
    method,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: (text ? JSON.parse(text) : undefined) as T,
  };
}

export const operator = { 'x-api-key': adminKey };
export const unique = (what: string) =>
  `${what}.${Date.now().toString(36)}.${crypto.randomUUID().slice(0, 6)}@example.test`;

export async function customer(region: string): Promise<{ token: string; customerId: string }> {
  const res = await send<{ accessToken: string; customerId: string }>('POST', '/v1/auth/register', {
    body: { email: unique('console'), password: PASSWORD, region },
  });
  expect(res.status).toBe(201);
  return { token: res.body.accessToken, customerId: res.body.customerId };
}

/**
 * A product of this test's own, stocked in every region: the seeded
 * products' stock is what other end-to-end tests assert.
 */
export async function ownProduct(units = 20): Promise<string> {
  const sku = `CONSOLE-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
  const made = await send('POST', '/v1/products', {
    headers: { ...operator, 'idempotency-key': crypto.randomUUID() },
    body: {
      sku,
      name: `Console test ${sku}`,
      category: 'console-test',
      price: { amount: 1250, currency: 'USD' },
    },
  });
  expect(made.status).toBe(201);
  for (const region of ['us', 'eu', 'apac']) {
    const restock = await send('POST', `/v1/inventory/${sku}/restock`, {
      headers: operator,
      body: { quantity: units, region },
    });
    expect(restock.status).toBe(200);
  }
  return sku;
}

export async function placeOrder(token: string, items: Array<{ sku: string; quantity: number }>) {
  const auth = { authorization: `Bearer ${token}` };
  const deposit = await send('POST', '/v1/accounts/me/deposits', {
    headers: { ...auth, 'idempotency-key': crypto.randomUUID() },
    body: { amount: 100_000 },
  });
  expect(deposit.status).toBe(201);
  const placed = await send<{ orderId: string }>('POST', '/v1/orders', {
    headers: { ...auth, 'idempotency-key': crypto.randomUUID() },
    body: { items },
  });
  expect(placed.status).toBe(202);
  return placed.body.orderId;
}

export interface Letter {
  id: string;
  body: string;
  replayedAt: string | null;
}

export const letters = async () =>
  (
    await send<{ items: Letter[] }>('GET', '/v1/admin/dead-letters?limit=100', {
      headers: operator,
    })
  ).body.items;

/**
 * Expressions run in the page (strings: this file is typed for Node and
 * workerd, not the DOM).
 */
export const IN_PAGE = {
  go: (section: string) => `location.hash = '#/${section}'`,
  focusedText: 'document.activeElement?.textContent',
  focusedId: 'document.activeElement?.id',
  focusedOutline: 'getComputedStyle(document.activeElement).outlineStyle',
  sidewaysOverflow: 'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  axeSerious: `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ' (' + v.nodes.length + '): ' + v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')))`,
};

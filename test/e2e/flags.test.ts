/**
 * Flags and versions on the local system, over HTTP: flipping
 * `orders.accepting` through the admin API pauses and resumes ordering
 * within 5 s with no restart, and `/health` names the running version.
 */
import { describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/eventually';

const base = inject('baseUrl');
const adminKey = inject('adminApiKey');
const FIVE_SECONDS = 5000;

async function send(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: unknown } = {},
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const admin = { 'x-api-key': adminKey };

async function customerToken(): Promise<string> {
  const email = `flags.${Date.now().toString(36)}.${crypto.randomUUID().slice(0, 8)}@example.test`;
  const res = await send('POST', '/v1/auth/register', {
    body: { email, password: 'correct horse battery staple', region: 'us' },
  });
  expect(res.status).toBe(201);
  return res.body.accessToken as string;
}

const placeOrder = (token: string) =>
  send('POST', '/v1/orders', {
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': crypto.randomUUID() },
    body: { items: [{ sku: 'MRD-TEE-001', quantity: 1 }] },
  });

describe('flags and versions on the local system', () => {
  it('/health and every response name the running version', async () => {
    const health = await send('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      status: 'ok',
      version: { id: expect.stringMatching(/^[0-9a-f-]{36}$/), tag: expect.any(String) },
    });
    expect(health.headers.get('x-meridian-version')).toContain(health.body.version.id);
    const missing = await send('GET', '/v1/no-such-thing');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-meridian-version')).toContain(health.body.version.id);
  });

  it('flipping orders.accepting pauses and resumes ordering within 5 s, with no restart', async () => {
    const token = await customerToken();
    expect((await placeOrder(token)).status).toBe(202);

    const paused = Date.now();
    const off = await send('PUT', '/v1/admin/flags/orders.accepting', {
      headers: admin,
      body: { enabled: false },
    });
    expect(off.status).toBe(200);
    const refused = await eventually(
      () => placeOrder(token),
      (r) => r.status === 503,
      15_000,
      50,
    );
    const pausedAfter_ms = Date.now() - paused;
    expect(refused.status).toBe(503);
    expect(refused.body.type).toMatch(/ordering_paused$/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(pausedAfter_ms).toBeLessThan(FIVE_SECONDS);

    const resumed = Date.now();
    const on = await send('DELETE', '/v1/admin/flags/orders.accepting', { headers: admin });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, source: 'default' });
    const accepted = await eventually(
      () => placeOrder(token),
      (r) => r.status === 202,
      15_000,
      50,
    );
    const resumedAfter_ms = Date.now() - resumed;
    expect(accepted.status).toBe(202);
    expect(resumedAfter_ms).toBeLessThan(FIVE_SECONDS);
    console.log(
      `orders.accepting: paused after ${pausedAfter_ms} ms, resumed after ${resumedAfter_ms} ms`,
    );
  });
});

/**
 * The replication topologies on the local system, over HTTP as a client and
 * an operator use them: a cart partitioned and healed (every replica writable,
 * all equal within 5 s of the rule's removal), and preferences with a replica
 * down (quorum works, `all` is a 503, the replica catches up).
 */
import { afterEach, describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/eventually';

const base = inject('baseUrl');
const admin = { 'x-api-key': inject('adminApiKey'), 'content-type': 'application/json' };
const REGIONS = ['us', 'eu', 'apac'];

async function send<T>(
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as T };
}

async function customer(region: string): Promise<Record<string, string>> {
  const email = `repl-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  const reg = await send<{ accessToken: string }>(
    'POST',
    '/v1/auth/register',
    {},
    {
      email,
      password: 'correct horse battery staple',
      region,
    },
  );
  expect(reg.status).toBe(201);
  return { authorization: `Bearer ${reg.body.accessToken}` };
}

const faults = (rules: unknown[]) => send('PUT', '/v1/admin/faults', admin, { rules });

interface Cart {
  items: Array<{ sku: string; quantity: number }>;
  replica: string;
}
const cartAt = async (auth: Record<string, string>, region: string) =>
  (await send<Cart>('GET', '/v1/cart', { ...auth, 'x-meridian-region': region })).body;

afterEach(async () => {
  await send('DELETE', '/v1/admin/faults', admin);
});

describe('replication on the local system', () => {
  it('a partitioned cart keeps taking writes at every replica and converges within 5 s of the heal', async () => {
    const auth = await customer('us');
    await faults([{ target: 'replication', kind: 'drop', rate: 1 }]);
    // Let every service see the rule (they read it through a ≤ 1 s cache).
    await new Promise((r) => setTimeout(r, 1500));
    for (const [region, quantity] of [
      ['us', 2],
      ['eu', 3],
    ] as const) {
      const res = await send<Cart>(
        'POST',
        '/v1/cart/items',
        { ...auth, 'x-meridian-region': region },
        {
          sku: 'MRD-TEE-001',
          quantity,
        },
      );
      expect(res.status).toBe(200);
      expect(res.body.items).toEqual([{ sku: 'MRD-TEE-001', quantity }]);
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect((await cartAt(auth, 'apac')).items).toEqual([]);
    await send('DELETE', '/v1/admin/faults', admin);
    const healed = Date.now();
    const carts = await eventually(
      () => Promise.all(REGIONS.map((r) => cartAt(auth, r))),
      (all) => all.every((c) => c.items[0]?.quantity === 5),
      10_000,
    );
    expect(Date.now() - healed).toBeLessThan(5000);
    expect(carts.map((c) => c.replica)).toEqual(['enam', 'weur', 'apac']);
  });

  it('preferences with a replica down: quorum works, all is a 503 with Retry-After, the replica catches up', async () => {
    const auth = await customer('eu');
    const me = await send<{ customerId: string }>('GET', '/v1/me', auth);
    const view = await send<{
      replicas: Array<{ id: string; role: string; version: string | null }>;
    }>('GET', `/v1/admin/preferences/${me.body.customerId}/replicas`, admin);
    const down = view.body.replicas.find((r) => r.role === 'primary')?.id;
    await faults([{ target: `replica:${down}`, kind: 'error', rate: 1 }]);
    const refused = await eventually(
      () => send('PUT', '/v1/me/preferences?consistency=all', auth, { theme: 'x' }),
      (res) => res.status === 503,
    );
    expect(refused.headers.get('retry-after')).toBe('1');
    const put = await send<{ version: string }>('PUT', '/v1/me/preferences', auth, {
      theme: 'dark',
    });
    expect(put.status).toBe(200);
    const read = await send<{ preferences: unknown }>('GET', '/v1/me/preferences', auth);
    expect(read.body.preferences).toEqual({ theme: 'dark' });
    await send('DELETE', '/v1/admin/faults', admin);
    await eventually(
      () =>
        send<{ replicas: Array<{ id: string; version: string | null }> }>(
          'GET',
          `/v1/admin/preferences/${me.body.customerId}/replicas`,
          admin,
        ),
      (res) => res.body.replicas.find((r) => r.id === down)?.version === put.body.version,
    );
  });
});

/**
 * The admin flag API over HTTP, as an operator uses it: every declared flag
 * listed with its default, overrides stored and reset, unknown names 404,
 * bad bodies 400, and only admins may touch it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { admin, call, operatorKey, register } from '../../test/support/clients';

interface FlagBody {
  name: string;
  enabled: boolean;
  percentage?: number;
  regions?: string[];
  source: 'default' | 'override';
  updatedBy?: string;
}

const put = (name: string, body: unknown) =>
  call('PUT', `/v1/admin/flags/${name}`, { apiKey: operatorKey(), body });
const reset = (name: string) =>
  call('DELETE', `/v1/admin/flags/${name}`, { apiKey: operatorKey() });

async function codeOf(res: Response): Promise<string> {
  const body = (await res.json()) as { type: string };
  return body.type.split('/').at(-1) ?? '';
}

afterEach(async () => {
  for (const name of ['orders.accepting', 'orders.fast_path', 'catalog.edge_cache']) {
    expect((await reset(name)).status).toBe(200);
  }
});

describe('GET /v1/admin/flags', () => {
  it('lists every declared flag at its default until an operator overrides it', async () => {
    const res = await call('GET', '/v1/admin/flags', { apiKey: operatorKey() });
    expect(res.status).toBe(200);
    const { flags } = (await res.json()) as { flags: FlagBody[] };
    expect(flags.map((f) => f.name).sort()).toEqual([
      'catalog.edge_cache',
      'orders.accepting',
      'orders.fast_path',
    ]);
    for (const flag of flags) expect(flag).toMatchObject({ enabled: true, source: 'default' });
  });
});

describe('PUT /v1/admin/flags/{name}', () => {
  it('stores an override, names who set it, and DELETE resets the flag to its default', async () => {
    const res = await put('catalog.edge_cache', {
      enabled: true,
      percentage: 25,
      regions: ['eu', 'apac'],
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: 'catalog.edge_cache',
      enabled: true,
      percentage: 25,
      regions: ['eu', 'apac'],
      source: 'override',
      updatedBy: expect.any(String),
    });
    const listed = (await (
      await call('GET', '/v1/admin/flags', { apiKey: operatorKey() })
    ).json()) as { flags: FlagBody[] };
    expect(listed.flags.find((f) => f.name === 'catalog.edge_cache')).toMatchObject({
      percentage: 25,
      source: 'override',
    });

    const back = await reset('catalog.edge_cache');
    expect(back.status).toBe(200);
    const body = (await back.json()) as FlagBody;
    expect(body).toMatchObject({ enabled: true, source: 'default' });
    expect(body.percentage).toBeUndefined();
  });

  it('an unknown flag name is a 404 flag_unknown, for PUT and DELETE', async () => {
    const res = await put('orders.acepting', { enabled: false });
    expect(res.status).toBe(404);
    expect(await codeOf(res)).toBe('flag_unknown');
    const del = await reset('nope');
    expect(del.status).toBe(404);
    expect(await codeOf(del)).toBe('flag_unknown');
  });

  it.each([
    ['no enabled', {}],
    ['enabled not a boolean', { enabled: 'no' }],
    ['percentage above 100', { enabled: true, percentage: 150 }],
    ['fractional percentage', { enabled: true, percentage: 12.5 }],
    ['unknown region', { enabled: true, regions: ['mars'] }],
    ['empty regions', { enabled: true, regions: [] }],
    ['repeated region', { enabled: true, regions: ['eu', 'eu'] }],
    ['unknown field', { enabled: true, percent: 10 }],
    ['another flag named in the body', { name: 'orders.fast_path', enabled: false }],
  ])('a bad body (%s) is a 400 and changes nothing', async (_, body) => {
    const res = await put('orders.accepting', body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const flags = (await (
      await call('GET', '/v1/admin/flags', { apiKey: operatorKey() })
    ).json()) as { flags: FlagBody[] };
    expect(flags.flags.find((f) => f.name === 'orders.accepting')).toMatchObject({
      enabled: true,
      source: 'default',
    });
  });

  it('only admins: anonymous 401, customer 403, admin token and operator key 200', async () => {
    const body = { enabled: true, percentage: 100 };
    expect((await call('PUT', '/v1/admin/flags/orders.accepting', { body })).status).toBe(401);
    const customer = await register();
    const asCustomer = await call('PUT', '/v1/admin/flags/orders.accepting', {
      token: customer.accessToken,
      body,
    });
    expect(asCustomer.status).toBe(403);
    expect((await call('GET', '/v1/admin/flags', { token: customer.accessToken })).status).toBe(
      403,
    );
    const boss = await admin();
    const asAdmin = await call('PUT', '/v1/admin/flags/orders.accepting', {
      token: boss.accessToken,
      body,
    });
    expect(asAdmin.status).toBe(200);
    expect(((await asAdmin.json()) as FlagBody).updatedBy).toBe(boss.customerId);
  });
});

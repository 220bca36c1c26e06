/**
 * The console as the gateway serves it: a page with nothing inline under a
 * strict CSP and no framing, its bundle under content-hashed names, and the
 * one-call stock table it reads (admin only; a failing region is missing
 * and the answer partial, the others still answer).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { admin, call, operatorKey, register } from '../../test/support/clients';
import { clearFaults, putFaults } from '../../test/support/faults';
import { insertProduct } from '../../test/support/fixtures';
import { CONSOLE_ASSETS, CONSOLE_SCRIPT, CONSOLE_STYLE } from './bundle.generated';
import { CONSOLE_CSP } from './page';

afterEach(async () => {
  await clearFaults();
});

describe('the console page', () => {
  it('is public HTML with a strict CSP, no framing and no inline script or style', async () => {
    const res = await call('GET', '/console');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
    ]) {
      expect(CONSOLE_CSP).toContain(directive);
    }
    expect(CONSOLE_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
    expect(html).toContain(`src="/console/assets/${CONSOLE_SCRIPT}"`);
    expect(html).toContain(`href="/console/assets/${CONSOLE_STYLE}"`);
    const config = /name="meridian-console" content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(
      JSON.parse(config.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&amp;', '&')),
    ).toMatchObject({
      regions: ['us', 'eu', 'apac'],
      orderStatuses: expect.arrayContaining(['PENDING', 'CONFIRMED']),
      services: expect.arrayContaining(['orders', 'notifications']),
    });
  });

  it('serves the bundle under content-hashed names, cached for good; another name is a 404 problem', async () => {
    for (const name of [CONSOLE_SCRIPT, CONSOLE_STYLE]) {
      const res = await call('GET', `/console/assets/${name}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(CONSOLE_ASSETS[name]?.type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(await res.text()).toBe(CONSOLE_ASSETS[name]?.body);
    }
    expect(CONSOLE_SCRIPT).toMatch(/^main-[0-9a-f]{12}\.js$/);
    // uPlot is in the bundle: nothing is fetched from elsewhere.
    expect(CONSOLE_ASSETS[CONSOLE_SCRIPT]?.body).toMatch(/u-legend/);
    const missing = await call('GET', '/console/assets/main-000000000000.js');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
  });
});

interface StockPage {
  items: Array<{
    sku: string;
    name: string;
    regions: Record<string, { available: number; reserved: number; sold: number } | null>;
  }>;
  nextCursor: string | null;
  regions: Record<string, { status: string }>;
  partial: boolean;
}

async function stockedCategory(): Promise<{ category: string; skus: string[] }> {
  const category = `console-${crypto.randomUUID().slice(0, 8)}`;
  const skus: string[] = [];
  for (let i = 0; i < 3; i++) {
    const { sku } = await insertProduct({ category });
    skus.push(sku);
    for (const [region, quantity] of [
      ['us', 3 + i],
      ['eu', 7 + i],
    ] as const) {
      const res = await call('POST', `/v1/inventory/${sku}/restock`, {
        apiKey: operatorKey(),
        body: { quantity, region },
      });
      expect(res.status).toBe(200);
    }
  }
  return { category, skus };
}

describe('GET /v1/admin/stock', () => {
  it('answers every SKU of the page in every region, as each shard leader reads it', async () => {
    const { category, skus } = await stockedCategory();
    const res = await call('GET', `/v1/admin/stock?category=${category}&limit=2`, {
      apiKey: operatorKey(),
    });
    expect(res.status).toBe(200);
    const first = (await res.json()) as StockPage;
    expect(first.partial).toBe(false);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const rest = await call(
      'GET',
      `/v1/admin/stock?category=${category}&limit=2&cursor=${first.nextCursor}`,
      {
        apiKey: operatorKey(),
      },
    );
    const second = (await rest.json()) as StockPage;
    const rows = [...first.items, ...second.items];
    expect(rows.map((r) => r.sku).sort()).toEqual([...skus].sort());
    for (const row of rows) {
      const i = skus.indexOf(row.sku);
      expect(row.regions).toEqual({
        us: { available: 3 + i, reserved: 0, sold: 0 },
        eu: { available: 7 + i, reserved: 0, sold: 0 },
        apac: { available: 0, reserved: 0, sold: 0 },
      });
      const leader = await call('GET', `/v1/inventory/${row.sku}?region=eu`);
      expect(((await leader.json()) as { available: number }).available).toBe(
        row.regions.eu?.available,
      );
    }
  });

  it('a region that fails is missing and the answer partial; the others still answer', async () => {
    const { category } = await stockedCategory();
    await putFaults([{ target: 'region:apac', kind: 'error', rate: 1 }]);
    const res = await call('GET', `/v1/admin/stock?category=${category}`, {
      apiKey: operatorKey(),
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as StockPage;
    expect(page.partial).toBe(true);
    expect(page.regions.apac?.status).toBe('error');
    expect(page.items).toHaveLength(3);
    for (const row of page.items) {
      expect(Object.keys(row.regions).sort()).toEqual(['eu', 'us']);
    }
  });

  it('is for admins (an admin token or the operator key), and bad paging is a 400', async () => {
    expect((await call('GET', '/v1/admin/stock')).status).toBe(401);
    const customer = await register();
    expect((await call('GET', '/v1/admin/stock', { token: customer.accessToken })).status).toBe(
      403,
    );
    const boss = await admin();
    expect((await call('GET', '/v1/admin/stock?limit=1', { token: boss.accessToken })).status).toBe(
      200,
    );
    const tooMany = await call('GET', '/v1/admin/stock?limit=51', { apiKey: operatorKey() });
    expect(tooMany.status).toBe(400);
    expect(tooMany.headers.get('content-type')).toBe('application/problem+json');
  });
});

import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const gateway = exports.default;

describe('health', () => {
  it('liveness answers ok with a request id and traceparent', async () => {
    const res = await gateway.fetch('http://meridian.test/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      version: { id: expect.any(String), tag: expect.any(String) },
    });
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('readiness probes every service over its binding', async () => {
    const res = await gateway.fetch('http://meridian.test/health/ready');
    const body = (await res.json()) as {
      status: string;
      services: Record<string, { status: string }>;
    };
    expect(res.status).toBe(200);
    expect(Object.keys(body.services).sort()).toEqual([
      'carts',
      'catalog',
      'identity',
      'inventory',
      'notifications',
      'orders',
      'payments',
      'preferences',
    ]);
    for (const service of Object.values(body.services)) expect(service.status).toBe('ok');
  });
});

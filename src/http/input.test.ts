/** Input rules at the gateway, the OpenAPI document and the /docs page. */
import { describe, expect, it } from 'vitest';
import { call, operatorKey, PASSWORD, uniqueEmail } from '../../test/support/clients';

describe('input handling', () => {
  it('a body that is not JSON is a 415', async () => {
    const res = await call('POST', '/v1/auth/login', {
      body: 'email=a@b.c&password=x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('a body over the limit is a 413', async () => {
    const res = await call('POST', '/v1/auth/register', {
      body: { email: uniqueEmail(), password: PASSWORD, name: 'x'.repeat(70_000) },
    });
    expect(res.status).toBe(413);
  });

  it('malformed JSON is a 400 problem', async () => {
    const res = await call('POST', '/v1/auth/login', { body: '{"email": ' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
  });

  it('unknown fields are refused where they could escalate privileges', async () => {
    const cases = [
      call('POST', '/v1/auth/register', {
        body: { email: uniqueEmail(), password: PASSWORD, roles: ['admin'] },
      }),
      call('POST', '/v1/auth/login', {
        body: { email: uniqueEmail(), password: PASSWORD, region: 'eu' },
      }),
      call('PUT', '/v1/admin/admins', {
        apiKey: operatorKey(),
        body: { email: uniqueEmail(), password: PASSWORD, roles: ['customer'] },
      }),
      call('POST', '/v1/inventory/SKU-1/restock', {
        apiKey: operatorKey(),
        body: { quantity: 1, price: { amount: 1, currency: 'USD' } },
      }),
    ];
    for (const res of await Promise.all(cases)) expect(res.status).toBe(400);
  });

  it('security headers are set and CORS exposes the rate-limit and idempotency headers', async () => {
    const res = await call('OPTIONS', '/v1/me', {
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'GET' },
    });
    const exposed = (
      await call('GET', '/v1/products', { headers: { origin: 'https://shop.example' } })
    ).headers.get('access-control-expose-headers');
    expect(res.status).toBeLessThan(300);
    expect(exposed).toMatch(/ratelimit-remaining/);
    expect(exposed).toMatch(/idempotent-replayed/);
    const plain = await call('GET', '/health');
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('OpenAPI and /docs', () => {
  it('the document declares security schemes and each route’s access', async () => {
    const doc = (await (await call('GET', '/openapi.json')).json()) as {
      openapi: string;
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: unknown[]; 'x-access'?: string }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiKey', 'bearerAuth']);
    expect(doc.paths['/v1/me']?.get?.['x-access']).toBe('customer');
    expect(doc.paths['/v1/me']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/v1/auth/login']?.post?.security).toEqual([]);
  });

  it('/docs renders every documented route from the same document, with no external resource', async () => {
    const doc = (await (await call('GET', '/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    const res = await call('GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await res.text();
    for (const path of Object.keys(doc.paths)) {
      expect(html).toContain(`<code>${path.replaceAll('&', '&amp;')}</code>`);
    }
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).toContain('id="schema-TokenPair"');
  });
});

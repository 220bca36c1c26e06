/**
 * A known path called with a method it does not serve is 405 with `Allow`
 * (problem+json); an unknown path stays 404; CORS preflight still works.
 * Checked for every path of the OpenAPI document and every method it does
 * not declare there.
 */
import { describe, expect, it } from 'vitest';
import { call, operatorKey } from '../../test/support/clients';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

async function problem(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as { type: string; status: number; detail: string };
}

describe('405 Method Not Allowed', () => {
  it('every documented path answers 405 with Allow for each method it does not serve', async () => {
    const doc = (await (await call('GET', '/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    let checked = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      const path = template.replace(/\{[^}]+\}/g, 'x1');
      const served = METHODS.filter((m) => m in item).map((m) => m.toUpperCase());
      for (const method of METHODS.filter((m) => !(m in item))) {
        const res = await call(method.toUpperCase(), path, { apiKey: operatorKey() });
        expect(res.status, `${method} ${template}`).toBe(405);
        const allow = (res.headers.get('allow') ?? '').split(', ');
        expect(allow, `${method} ${template}`).toEqual(
          expect.arrayContaining([...served, 'OPTIONS']),
        );
        expect(allow).not.toContain(method.toUpperCase());
        expect((await problem(res)).type).toMatch(/method_not_allowed$/);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('names the methods in a stable order, HEAD with GET', async () => {
    const res = await call('DELETE', '/v1/orders');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD, POST, OPTIONS');
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const body = await problem(res);
    expect(body.status).toBe(405);
    expect(body.detail).toMatch(/DELETE/);
  });

  it('an unknown path is still a 404, and a CORS preflight still 204', async () => {
    const unknown = await call('DELETE', '/v1/nowhere');
    expect(unknown.status).toBe(404);
    expect((await problem(unknown)).type).toMatch(/route_not_found$/);
    const preflight = await call('OPTIONS', '/v1/orders', {
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
  });
});

// After each gateway test file: every (route, status) the gateway answered
// during the file — counted by its own metrics (`/metrics`, by route pattern
// and status) — must be listed in that route's responses in /openapi.json.
// A route that returns a status its document omits fails the file. Only
// routes the document has are checked (tests that mount tiny apps of their
// own are not the contract); `default` does not cover anything: a 500 is a bug.
import { env, exports } from 'cloudflare:workers';
import { afterAll, expect } from 'vitest';

const BASE = 'http://meridian.test';
const SERIES =
  /^meridian_http_requests_total\{method="([A-Z]+)",route="([^"]+)",status="(\d{3})"\} /;

type Doc = { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };

async function get(path: string): Promise<Response> {
  const apiKey = (env as unknown as { ADMIN_API_KEY: string }).ADMIN_API_KEY;
  return exports.default.fetch(`${BASE}${path}`, { headers: { 'x-api-key': apiKey } });
}

afterAll(async () => {
  const metrics = await get('/metrics');
  if (metrics.status !== 200) return; // a suite that replaced the key or the registry
  const doc = (await (await get('/openapi.json')).json()) as Doc;
  const undocumented: string[] = [];
  for (const line of (await metrics.text()).split('\n')) {
    const m = SERIES.exec(line);
    if (!m) continue;
    const [, method = '', route = '', status = ''] = m;
    // Hono's `/v1/orders/:id` is OpenAPI's `/v1/orders/{id}`; HEAD is served by GET.
    const template = route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation = doc.paths[template]?.[method === 'HEAD' ? 'get' : method.toLowerCase()];
    if (!operation) continue;
    if (!(status in (operation.responses ?? {})))
      undocumented.push(`${method} ${template} → ${status}`);
  }
  expect(undocumented, 'statuses answered but missing from /openapi.json').toEqual([]);
});

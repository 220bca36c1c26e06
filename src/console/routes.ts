/**
 * GET /console: the operations console, a page served by the gateway with
 * its bundled script and styles (`/console/assets/<name>-<hash>.<ext>`).
 * The page is public and holds no data; every data call it makes goes
 * through the admin API with the signed-in admin's bearer token, kept in
 * the page's memory only (no cookie: the API stays CSRF-proof). Not in
 * /openapi.json (like /docs): it is a page, not an API.
 */
import { problem } from '@common/problem';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { GatewayBindings } from '../context';
import { CONSOLE_ASSETS } from './bundle.generated';
import { ASSETS_PATH, CONSOLE_CSP, consolePage, PAGE_HEADERS } from './page';
import { adminStock } from './stock';

export const consoleFeature = new OpenAPIHono<GatewayBindings>();

const page = consolePage();

consoleFeature.get('/console', (c) => c.body(page, 200, PAGE_HEADERS));

consoleFeature.get(`${ASSETS_PATH}/:file`, (c) => {
  const asset = CONSOLE_ASSETS[c.req.param('file')];
  if (!asset)
    throw problem(
      404,
      'console_asset_not_found',
      'no such console asset (the page names the current ones)',
    );
  return c.body(asset.body, 200, {
    'content-type': asset.type,
    'content-security-policy': CONSOLE_CSP,
    // The name carries the content hash: a changed file gets a new name.
    'cache-control': 'public, max-age=31536000, immutable',
  });
});

consoleFeature.route('/', adminStock);

/**
 * The console's HTML shell and the headers every console response carries.
 * The page holds no data and no inline code: the bundled script and styles
 * come from /console/assets under their content hashes, so the
 * Content-Security-Policy can forbid everything else (no inline script or
 * style, no other origin, no framing, no form posting elsewhere).
 */
import { ORDER_STATUSES } from '@common/contracts/orders';
import { REGIONS } from '@common/regions';
import { SERVICE_NAMES } from '../upstream/services';
import { CONSOLE_SCRIPT, CONSOLE_STYLE } from './bundle.generated';

/** Where the bundle is served; the page refers to it by hashed file names. */
export const ASSETS_PATH = '/console/assets';

/**
 * Scripts and styles only from this origin (the hashed bundle), data only
 * from this origin's API; uPlot draws on canvas and styles through the
 * CSSOM, which style-src does not restrict.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': CONSOLE_CSP,
  // A new deploy's page names new bundle hashes: always revalidate it.
  'cache-control': 'no-cache',
} as const;

/**
 * What the client needs to know of this deployment's configuration, so that
 * it never hard-codes a list the server owns (read from a meta tag).
 */
export const CONSOLE_CONFIG = {
  regions: REGIONS,
  orderStatuses: ORDER_STATUSES,
  services: SERVICE_NAMES,
};

const attribute = (value: string): string =>
  value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

export function consolePage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="meridian-console" content="${attribute(JSON.stringify(CONSOLE_CONFIG))}">
<title>Meridian console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS_PATH}/${CONSOLE_STYLE}">
<script type="module" src="${ASSETS_PATH}/${CONSOLE_SCRIPT}"></script>
</head>
<body>
<noscript><p>The Meridian console needs JavaScript.</p></noscript>
<div id="app" class="app"></div>
</body>
</html>
`;
}

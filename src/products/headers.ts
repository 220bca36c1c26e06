/**
 * HTTP caching of catalog reads: freshness headers that keep every cache
 * within the catalog's staleness bound, a strong ETag, and If-None-Match.
 */
import type { CacheMeta, Product } from '@common/contracts/catalog';
import { hash32 } from '@common/hashring';

/**
 * Freshness headers for a cached read. `max-age` is what is left of the bound
 * and `Age` what has been used, so a cache that honours either (or both)
 * stops reusing the response by the time the bound is reached. A `stale`
 * answer (D1 failed, every level past the bound) must not be reused at all.
 */
export function cacheHeaders(meta: CacheMeta): Record<string, string> {
  const headers: Record<string, string> = {
    'x-cache': meta.cache,
    age: String(Math.floor(meta.ageMs / 1000)),
  };
  if (meta.cache === 'stale') {
    headers['cache-control'] = 'no-cache';
    headers.warning = '110 - "Response is Stale"';
    headers['x-stale'] = 'true';
  } else {
    headers['cache-control'] = `public, max-age=${Math.floor(meta.freshForMs / 1000)}`;
  }
  if (meta.revalidating) headers['x-cache-revalidating'] = 'true';
  return headers;
}

/**
 * Strong ETag: it changes whenever the body does. The product version covers
 * every field an admin writes; availability comes from the stock read model
 * and changes without a version bump, so it is folded in when present.
 */
export function etagOf(product: Pick<Product, 'id' | 'version' | 'availability'>): string {
  const levels = Object.entries(product.availability).sort(([a], [b]) => a.localeCompare(b));
  const stock = levels.length ? `.s${hash32(JSON.stringify(levels)).toString(36)}` : '';
  return `"${product.id}.v${product.version}${stock}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2): `W/` is ignored. */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * The product versions an `If-Match` header accepts (RFC 9110 §13.1.1):
 * `any` for `*` (the product must exist), else the versions of the strong
 * ETags it lists for this product. Only the version is compared: it moves
 * with every admin write, while stock changes (also folded into the ETag)
 * are not what a PATCH could overwrite. Weak or foreign tags match nothing.
 */
export function ifMatchVersions(header: string, id: string): 'any' | number[] {
  if (header.trim() === '*') return 'any';
  const versions: number[] = [];
  for (const tag of header.split(',')) {
    const m = /^"(.+)\.v(\d{1,15})(?:\.s[0-9a-z]+)?"$/.exec(tag.trim());
    if (m?.[1] === id) versions.push(Number(m[2]));
  }
  return versions;
}

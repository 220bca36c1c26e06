import { describe, expect, it } from 'vitest';
import { cacheHeaders, etagOf, matchesIfNoneMatch } from './headers';

describe('catalog response headers', () => {
  it('a stale answer is flagged and must not be reused', () => {
    const headers = cacheHeaders({
      cache: 'stale',
      ageMs: 90_000,
      freshForMs: 0,
      revalidating: false,
    });
    expect(headers).toEqual({
      'x-cache': 'stale',
      'x-stale': 'true',
      warning: '110 - "Response is Stale"',
      'cache-control': 'no-cache',
      age: '90',
    });
  });

  it('a fresh answer may be reused only for what is left of the bound', () => {
    const headers = cacheHeaders({
      cache: 'hit-kv',
      ageMs: 12_400,
      freshForMs: 47_600,
      revalidating: true,
    });
    expect(headers).toMatchObject({
      'x-cache': 'hit-kv',
      age: '12',
      'cache-control': 'public, max-age=47',
      'x-cache-revalidating': 'true',
    });
    expect(headers['x-stale']).toBeUndefined();
  });

  it('the ETag changes with the version and with availability, not with key order', () => {
    const base = { id: 'prd_X', version: 3, availability: {} };
    expect(etagOf(base)).toBe('"prd_X.v3"');
    expect(etagOf({ ...base, version: 4 })).toBe('"prd_X.v4"');
    const stocked = etagOf({ ...base, availability: { us: 1, eu: 2 } });
    expect(stocked).toMatch(/^"prd_X\.v3\.s[0-9a-z]+"$/);
    expect(etagOf({ ...base, availability: { eu: 2, us: 1 } })).toBe(stocked);
    expect(etagOf({ ...base, availability: { us: 0, eu: 2 } })).not.toBe(stocked);
  });

  it('If-None-Match matches a listed tag, its weak form, or *', () => {
    expect(matchesIfNoneMatch('"a", "b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('W/"b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('"c"', '"b"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"b"')).toBe(false);
  });
});

/**
 * The edge keeps the catalog's staleness bound: an entry is served at most
 * EDGE_CACHE_MEMO_MS after the catalog answered and never past the bound the
 * catalog stated, and its `Age` never under-states the data's age.
 */
import type { CacheMeta } from '@common/contracts/catalog';
import { describe, expect, it } from 'vitest';
import { EDGE_CACHE_MEMO_MS_MAX, EdgeMemo, edgeSettings } from './edge-cache';

const meta = (ageMs: number, freshForMs: number, cache: CacheMeta['cache'] = 'hit-memory') => ({
  cache,
  ageMs,
  freshForMs,
  revalidating: false,
});

function clocked(memo_ms: number) {
  const clock = { now: 10_000 };
  const memo = new EdgeMemo<string>({ memo_ms, entries_max: 10 }, () => clock.now);
  return { clock, memo };
}

describe('edge entries keep the catalog bound', () => {
  it('an entry lapses after the memo time, and its age counts from when the call was sent', () => {
    const { clock, memo } = clocked(1000);
    const sentAt = clock.now;
    clock.now += 40; // the RPC took 40 ms
    memo.remember('p', { value: 'v1', meta: meta(5000, 55_000) }, sentAt);
    clock.now += 500;
    expect(memo.recall('p')?.meta).toEqual(meta(5540, 54_460, 'hit-edge'));
    clock.now = sentAt + 40 + 1000;
    expect(memo.recall('p')).toBeUndefined();
  });

  it('a long memo time never serves past the bound the catalog stated', () => {
    const { clock, memo } = clocked(EDGE_CACHE_MEMO_MS_MAX);
    const sentAt = clock.now;
    memo.remember('p', { value: 'v1', meta: meta(59_000, 1000) }, sentAt);
    clock.now = sentAt + 999;
    const last = memo.recall('p');
    expect((last?.meta.ageMs ?? 0) + (last?.meta.freshForMs ?? 0)).toBe(60_000);
    clock.now = sentAt + 1000;
    expect(memo.recall('p')).toBeUndefined();
  });

  it('stale fallbacks and answers with no freshness left are not kept', () => {
    const { clock, memo } = clocked(1000);
    memo.remember('a', { value: 'old', meta: { ...meta(70_000, 0, 'stale') } }, clock.now);
    memo.remember('b', { value: 'edge', meta: meta(60_000, 0) }, clock.now);
    expect(memo.recall('a')).toBeUndefined();
    expect(memo.recall('b')).toBeUndefined();
  });

  it('prototype names are plain keys', () => {
    const { clock, memo } = clocked(1000);
    expect(memo.recall('__proto__')).toBeUndefined();
    expect(memo.recall('constructor')).toBeUndefined();
    memo.remember('__proto__', { value: 'x', meta: meta(0, 1000) }, clock.now);
    expect(memo.recall('__proto__')?.value).toBe('x');
    expect(memo.recall('constructor')).toBeUndefined();
  });

  it('settings are bounded whatever the vars say', () => {
    expect(edgeSettings({ EDGE_CACHE_MEMO_MS: '600000', EDGE_CACHE_ENTRIES: '-3' })).toEqual({
      memo_ms: EDGE_CACHE_MEMO_MS_MAX,
      entries_max: 1000,
    });
    expect(edgeSettings({})).toEqual({ memo_ms: 1000, entries_max: 1000 });
  });
});

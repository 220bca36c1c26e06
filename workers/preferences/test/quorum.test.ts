/**
 * Leaderless preferences against the real storage nodes, with nodes taken
 * down by the operator's `replica:<id>` fault rules: sloppy quorum with
 * hinted handoff, `all` refused while a replica is down, read repair, and the
 * stale read that R + W ≤ N allows.
 */
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../../../test/support/eventually';
import { nodeStub } from '../src/ring';
import { customerIn, get, okView, preferences, put, replicasOf, setNodeFaults } from './helpers';

afterEach(() => setNodeFaults([]));

describe('preferences quorum', () => {
  it('a quorum write is read back by a quorum read; versions grow write after write', async () => {
    const c = customerIn('eu');
    expect(await okView(get(c))).toEqual({ preferences: {}, version: null });
    const first = await okView(put(c, { theme: 'dark' }));
    const second = await okView(put(c, { theme: 'light', lang: 'fr' }));
    expect(second.version && first.version && second.version > first.version).toBe(true);
    expect(await okView(get(c))).toEqual(second);
    expect(await okView(get(c, 'all'))).toEqual(second);
  });

  it('with a replica down, quorum writes and reads succeed (a fallback takes a hint), `all` is a 503 with Retry-After, and the replica catches up once the rule is gone', async () => {
    const c = customerIn('us');
    const [down = '', ,] = c.primaries;
    await setNodeFaults([{ node: down, kind: 'error' }]);
    const written = await okView(put(c, { theme: 'dark' }));
    expect(await okView(get(c))).toEqual(written);
    for (const result of [await put(c, { theme: 'x' }, 'all'), await get(c, 'all')]) {
      expect(!result.ok && result.problem).toMatchObject({ status: 503, retryAfter: 1 });
    }
    const during = await replicasOf(c);
    expect(during.replicas.find((r) => r.id === down)).toMatchObject({ up: false, version: null });
    const holder = during.replicas.find((r) => r.hinted.some((h) => h.for === down));
    expect(holder?.role).toBe('fallback');
    await setNodeFaults([]);
    const after = await eventually(
      () => replicasOf(c),
      (view) => view.replicas.every((r) => r.role === 'fallback' || r.version === written.version),
    );
    expect(after.replicas.every((r) => r.hinted.length === 0)).toBe(true);
  });

  it('read repair brings a stale replica up to date when no hint could be taken', async () => {
    const c = customerIn('apac');
    const [stale = ''] = c.primaries;
    // The stale replica and every fallback down: the write reaches the other two only.
    await setNodeFaults([stale, ...c.fallbacks].map((node) => ({ node, kind: 'error' as const })));
    const written = await okView(put(c, { theme: 'dark' }));
    expect((await replicasOf(c)).replicas.every((r) => r.hinted.length === 0)).toBe(true);
    await setNodeFaults([]);
    expect(await okView(get(c))).toEqual(written);
    await eventually(
      () => replicasOf(c),
      (view) => view.replicas.find((r) => r.id === stale)?.version === written.version,
    );
  });

  it('R + W ≤ N: a read at `one` can miss an acknowledged write that a quorum read sees', async () => {
    const c = customerIn('us');
    const [a = '', b = '', late = ''] = c.primaries;
    const [holder = ''] = c.fallbacks;
    const old = await okView(put(c, { theme: 'old' }, 'all'));
    // `late` is down for the next write: it lands on a, b and a hint at `holder`.
    await setNodeFaults([{ node: late, kind: 'error' }]);
    const fresh = await okView(put(c, { theme: 'new' }, 'one'));
    // `late` is back but the hint holder is down (no handoff yet), and a, b answer slowly.
    await setNodeFaults([
      { node: holder, kind: 'error' },
      { node: a, kind: 'latency', latencyMs: 250 },
      { node: b, kind: 'latency', latencyMs: 250 },
    ]);
    const stale = await okView(get(c, 'one'));
    expect(stale).toEqual(old);
    const quorum = await okView(get(c, 'quorum'));
    expect(quorum).toEqual(fresh);
  });

  it('a write wins over a copy from a clock far ahead: its version is above what the quorum holds', async () => {
    const c = customerIn('us');
    const ahead = `${String(Date.now() + 3_600_000).padStart(15, '0')}.000000.ffffffff`;
    for (const id of c.primaries) {
      const node = { id, region: c.region };
      await nodeStub(env.PREFERENCE_NODE, node).write(node, c.customerId, {
        value: { theme: 'from the future' },
        version: ahead,
      });
    }
    const written = await okView(put(c, { theme: 'now' }));
    expect(written.version && written.version > ahead).toBe(true);
    expect(await okView(get(c))).toEqual(written);
  });

  it('bad input is a 4xx: a preferences value that is no object, or over 4 KiB; an unknown level', async () => {
    const c = customerIn('us');
    for (const value of [[1, 2], 'dark', null]) {
      const result = await preferences.putPreferences(c.customerId, c.region, 'quorum', value);
      expect(!result.ok && result.problem.status).toBe(400);
    }
    const big = await put(c, { blob: 'x'.repeat(4100) });
    expect(!big.ok && big.problem).toMatchObject({ status: 413, code: 'preferences_too_large' });
    const level = await preferences.getPreferences(c.customerId, c.region, 'most' as 'one');
    expect(!level.ok && level.problem.status).toBe(400);
  });
});

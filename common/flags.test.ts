/**
 * Flag evaluation (pure) and an isolate's cached view of the store: stable
 * percentages per principal, regions, defaults when the store is missing or
 * broken, one read per cache interval however many evaluations.
 */
import { describe, expect, it, vi } from 'vitest';
import { DocumentCache } from './config-document';
import {
  EMPTY_FLAG_SET,
  evaluateFlag,
  FLAGS,
  type FlagSet,
  FlagSetSchema,
  Flags,
  flagBucket,
  flagOn,
  flagsCacheMs,
} from './flags';
import type { Logger } from './log';
import { ManualClock } from './resilience/manual-clock';

const keys = (n: number) => Array.from({ length: n }, (_, i) => `cus_${i.toString(36)}`);

describe('evaluateFlag', () => {
  it('disabled is off for everyone, whatever the percentage or region', () => {
    const state = { enabled: false, percentage: 100, regions: ['us' as const] };
    expect(evaluateFlag('orders.accepting', state, { key: 'cus_1', region: 'us' })).toBe(false);
  });

  it('a percentage gives each principal the same answer every time, and about its share of them', () => {
    const state = { enabled: true, percentage: 25 };
    const first = keys(4000).map((key) => evaluateFlag('orders.fast_path', state, { key }));
    const again = keys(4000).map((key) => evaluateFlag('orders.fast_path', state, { key }));
    expect(again).toEqual(first);
    const share = first.filter(Boolean).length / first.length;
    expect(share).toBeGreaterThan(0.22);
    expect(share).toBeLessThan(0.28);
  });

  it('raising the percentage only adds principals: nobody who had the flag loses it', () => {
    for (const key of keys(2000)) {
      const at10 = evaluateFlag('catalog.edge_cache', { enabled: true, percentage: 10 }, { key });
      const at50 = evaluateFlag('catalog.edge_cache', { enabled: true, percentage: 50 }, { key });
      if (at10) expect(at50).toBe(true);
    }
  });

  it('buckets differ per flag, so the same customers are not always first', () => {
    const a = keys(200).map((k) => flagBucket('orders.accepting', k));
    const b = keys(200).map((k) => flagBucket('orders.fast_path', k));
    expect(a).not.toEqual(b);
  });

  it('0 % is off and 100 % on for everyone; a partial percentage needs a principal', () => {
    expect(evaluateFlag('orders.accepting', { enabled: true, percentage: 0 }, { key: 'x' })).toBe(
      false,
    );
    expect(evaluateFlag('orders.accepting', { enabled: true, percentage: 100 }, {})).toBe(true);
    expect(evaluateFlag('orders.accepting', { enabled: true, percentage: 99 }, {})).toBe(false);
  });

  it('regions: on only where listed, and off for a subject of unknown region', () => {
    const state = { enabled: true, regions: ['eu' as const, 'apac' as const] };
    expect(evaluateFlag('orders.accepting', state, { region: 'eu' })).toBe(true);
    expect(evaluateFlag('orders.accepting', state, { region: 'us' })).toBe(false);
    expect(evaluateFlag('orders.accepting', state, {})).toBe(false);
  });

  it('every declared flag has a default that is on', () => {
    for (const definition of Object.values(FLAGS)) expect(definition.default.enabled).toBe(true);
  });
});

function recordingLog(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log: Logger = {
    log: (_level, msg) => lines.push(msg),
    info: (msg) => lines.push(msg),
    warn: (msg) => lines.push(msg),
    error: (msg) => lines.push(msg),
    with: () => log,
  };
  return { log, lines };
}

function cachedFlags(load: () => Promise<unknown>, log?: Logger) {
  const clock = new ManualClock();
  const doc = new DocumentCache<FlagSet>({
    name: 'flags',
    load,
    parse: (raw) => FlagSetSchema.parse(raw),
    initial: EMPTY_FLAG_SET,
    cache_ms: 2000,
    clock,
    ...(log ? { log } : {}),
  });
  return { clock, flags: new Flags(doc) };
}

const off = (name: string): FlagSet => ({
  version: 1,
  flags: { [name]: { enabled: false, updatedAt: 1, updatedBy: 'op' } },
});

describe('Flags (an isolate’s cached view)', () => {
  it('evaluation costs no round trip per request: one read of the store per cache interval', async () => {
    let loads = 0;
    const { flags, clock } = cachedFlags(async () => {
      loads++;
      return off('orders.accepting');
    });
    for (let i = 0; i < 100; i++) expect(await flags.isOn('orders.accepting')).toBe(false);
    expect(loads).toBe(1);
    await clock.advance(2000);
    await flags.isOn('orders.accepting');
    expect(loads).toBe(2);
  });

  it('a store that cannot be read leaves every flag at its default, and says so', async () => {
    const { log, lines } = recordingLog();
    const { flags } = cachedFlags(async () => {
      throw new Error('flag store down');
    }, log);
    expect(await flags.isOn('orders.accepting')).toBe(true);
    expect(await flags.isOn('orders.fast_path')).toBe(true);
    expect(lines).toContain('flags.load_failed');
  });

  it('a broken read keeps the last good copy rather than falling back', async () => {
    let broken = false;
    const { flags, clock } = cachedFlags(async () => {
      if (broken) return { version: 2, flags: { 'orders.accepting': { enabled: 'maybe' } } };
      return off('orders.accepting');
    });
    expect(await flags.isOn('orders.accepting')).toBe(false);
    broken = true;
    await clock.advance(2000);
    expect(await flags.isOn('orders.accepting')).toBe(false);
  });

  it('a worker without a FLAG_STORE binding gets the defaults, logged', async () => {
    const warn = vi.spyOn(console, 'warn');
    expect(await flagOn({}, 'orders.accepting')).toBe(true);
    expect(await flagOn({ FLAG_STORE: 'not a namespace' }, 'catalog.edge_cache')).toBe(true);
    expect(warn.mock.calls.some(([line]) => String(line).includes('flags.store_missing'))).toBe(
      true,
    );
    warn.mockRestore();
  });

  it('the cache interval is capped at 4 s so a change is in force within 5 s', () => {
    expect(flagsCacheMs({ FLAGS_CACHE_MS: '60000' })).toBe(4000);
    expect(flagsCacheMs({ FLAGS_CACHE_MS: '500' })).toBe(500);
    expect(flagsCacheMs({})).toBe(2000);
  });
});

import { describe, expect, it } from 'vitest';
import { InjectedFaultError, TimeoutError } from './errors';
import { FaultRules, injectFaults, type StoredFaultRule } from './faults';
import { flush, ManualClock } from './manual-clock';

const NOW = 1_000_000;

function rule(overrides: Partial<StoredFaultRule>): StoredFaultRule {
  return {
    target: 'catalog',
    kind: 'error',
    rate: 1,
    createdAt: NOW,
    expiresAt: NOW + 60_000,
    ...overrides,
  };
}

describe('injectFaults', () => {
  it('an error rule fails the call and is counted', async () => {
    const counted: string[] = [];
    const run = injectFaults('catalog', [rule({})], {
      onFault: (target, kind) => counted.push(`${target}:${kind}`),
    });
    await expect(run).rejects.toBeInstanceOf(InjectedFaultError);
    expect(counted).toEqual(['catalog:error']);
  });

  it('a rule fires with probability `rate`', async () => {
    let fired = 0;
    const rolls = Array.from({ length: 100 }, (_, i) => i / 100);
    for (const roll of rolls) {
      await injectFaults('catalog', [rule({ rate: 0.25 })], {
        random: () => roll,
        onFault: () => fired++,
      }).catch(() => {});
    }
    expect(fired).toBe(25);
  });

  it('latency delays the call by latencyMs, then lets it through', async () => {
    const clock = new ManualClock(NOW);
    let done = false;
    const run = injectFaults('catalog', [rule({ kind: 'latency', latencyMs: 300 })], {
      clock,
    }).then(() => {
      done = true;
    });
    await clock.advance(299);
    expect(done).toBe(false);
    await clock.advance(1);
    await run;
    expect(done).toBe(true);
  });

  it("a drop gives no answer until the caller's deadline aborts it", async () => {
    const clock = new ManualClock(NOW);
    const deadline = new AbortController();
    const run = injectFaults('catalog', [rule({ kind: 'drop' })], {
      clock,
      signal: deadline.signal,
    }).catch((e: unknown) => e);
    await clock.advance(30_000);
    deadline.abort(new TimeoutError('catalog', 1000));
    expect(await run).toBeInstanceOf(TimeoutError);
  });

  it('latency applies before an error when both fire', async () => {
    const clock = new ManualClock(NOW);
    const run = injectFaults(
      'catalog',
      [rule({ kind: 'error' }), rule({ kind: 'latency', latencyMs: 100 })],
      { clock },
    ).catch((e: unknown) => e);
    await flush();
    expect(clock.slept).toEqual([100]);
    await clock.advance(100);
    expect(await run).toBeInstanceOf(InjectedFaultError);
  });
});

describe('FaultRules', () => {
  function rules(load: () => Promise<unknown>) {
    const clock = new ManualClock(NOW);
    return { clock, faults: new FaultRules(load, { cache_ms: 1000, clock }) };
  }

  it('serves only live rules of the target', async () => {
    const { faults, clock } = rules(async () => ({
      version: 1,
      rules: [
        rule({}),
        rule({ target: 'inventory' }),
        rule({ kind: 'latency', latencyMs: 5, expiresAt: NOW + 500 }),
      ],
    }));
    expect(await faults.forTarget('catalog')).toHaveLength(2);
    await clock.advance(500);
    expect((await faults.forTarget('catalog')).map((r) => r.kind)).toEqual(['error']);
  });

  it('reads the registry at most once per cache interval, then again', async () => {
    let loads = 0;
    const { faults, clock } = rules(async () => {
      loads++;
      return { version: loads, rules: [] };
    });
    await Promise.all([faults.forTarget('catalog'), faults.forTarget('inventory')]);
    await faults.forTarget('catalog');
    expect(loads).toBe(1);
    await clock.advance(1000);
    await faults.forTarget('catalog');
    expect(loads).toBe(2);
  });

  it('fails open: a broken registry injects nothing and does not throw', async () => {
    const { faults } = rules(async () => {
      throw new Error('registry down');
    });
    await expect(faults.forTarget('catalog')).resolves.toEqual([]);
  });

  it('refuses a malformed rule set rather than injecting something unintended', async () => {
    const { faults } = rules(async () => ({ version: 1, rules: [{ target: 'catalog' }] }));
    await expect(faults.forTarget('catalog')).resolves.toEqual([]);
  });
});

describe('FaultRules reads', () => {
  it('a read abandoned by a cancelled request does not stop later reads', async () => {
    const clock = new ManualClock(NOW);
    let loads = 0;
    const faults = new FaultRules(
      () => {
        loads++;
        // The first read never settles, as if its request had been cancelled.
        return loads === 1 ? new Promise(() => {}) : Promise.resolve({ version: 2, rules: [] });
      },
      { cache_ms: 100, load_timeout_ms: 50, clock },
    );
    void faults.forTarget('catalog');
    await flush();
    expect(await faults.forTarget('catalog')).toEqual([]); // uses the copy, does not wait
    expect(loads).toBe(1);
    await clock.advance(100);
    await faults.forTarget('catalog');
    expect(loads).toBe(2);
  });
});

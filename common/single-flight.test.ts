import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight';

const keep = (p: Promise<unknown>) => void p;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SingleFlight', () => {
  it('concurrent runs of one key share one execution; other keys run on their own', async () => {
    const flight = new SingleFlight<number>(1000);
    let runs = 0;
    const work = async () => {
      runs++;
      await sleep(20);
      return 42;
    };
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => flight.run('a', work, keep)),
      flight.run('b', work, keep),
    ]);
    expect(runs).toBe(2);
    expect(results.every((r) => r.value === 42)).toBe(true);
    expect(results.filter((r) => r.joined)).toHaveLength(9);
  });

  it('a failure reaches every caller that joined, and the next call runs again', async () => {
    const flight = new SingleFlight<number>(1000);
    let runs = 0;
    const failing = async () => {
      runs++;
      await sleep(10);
      throw new Error('d1 down');
    };
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => flight.run('k', failing, keep)));
    expect(outcomes.every((o) => o.status === 'rejected')).toBe(true);
    expect(runs).toBe(1);
    await sleep(0);
    expect(flight.size).toBe(0);
    await expect(flight.run('k', async () => 7, keep)).resolves.toMatchObject({ value: 7 });
  });

  it('a follower of a leader that never settles runs the work itself after the wait bound', async () => {
    const flight = new SingleFlight<string>(50);
    void flight.run('k', () => new Promise<string>(() => {}), keep);
    const started = Date.now();
    const follower = await flight.run('k', async () => 'own', keep);
    expect(follower).toEqual({ value: 'own', joined: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });

  it('the leader keeps its request alive until the work settles', async () => {
    const flight = new SingleFlight<number>(1000);
    const kept: Promise<unknown>[] = [];
    await flight.run(
      'k',
      async () => 1,
      (p) => kept.push(p),
    );
    expect(kept).toHaveLength(1);
    await Promise.all(kept);
    expect(flight.size).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { HybridClock, isVersion, newer } from './hlc';

describe('hybrid logical clock', () => {
  it('every version is above the last one issued, even when the wall clock goes back', () => {
    let wall = 1_000;
    const clock = new HybridClock(() => wall, 'aaaaaaaa');
    const first = clock.next();
    wall = 900;
    const second = clock.next();
    wall = 900;
    const third = clock.next();
    expect(second > first && third > second).toBe(true);
    expect([first, second, third].every(isVersion)).toBe(true);
  });

  it('a version is above what it observed, from a clock far ahead', () => {
    const ahead = new HybridClock(() => 5_000_000, 'bbbbbbbb').next();
    const behind = new HybridClock(() => 1_000, 'cccccccc');
    const next = behind.next(ahead);
    expect(next > ahead).toBe(true);
    expect(newer(ahead, next)).toBe(next);
    expect(newer(null, ahead)).toBe(ahead);
  });
});

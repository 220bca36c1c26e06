import { describe, expect, it } from 'vitest';
import { StaleCopies } from './stale';

describe('StaleCopies', () => {
  it('recalls the last copy with its age, until it is older than age_ms_max', () => {
    let now = 0;
    const copies = new StaleCopies<string>({ entries_max: 10, age_ms_max: 5000, now: () => now });
    copies.remember('a', 'v1');
    now = 2500;
    expect(copies.recall('a')).toEqual({ value: 'v1', age_s: 2 });
    now = 5001;
    expect(copies.recall('a')).toBeUndefined();
  });

  it('keeps at most entries_max copies, evicting the least recently stored', () => {
    const copies = new StaleCopies<number>({ entries_max: 2, age_ms_max: 1000 });
    copies.remember('a', 1);
    copies.remember('b', 2);
    copies.remember('a', 3);
    copies.remember('c', 4);
    expect(copies.recall('b')).toBeUndefined();
    expect(copies.recall('a')?.value).toBe(3);
    expect(copies.recall('c')?.value).toBe(4);
  });
});

import { describe, expect, it } from 'vitest';
import { Lru } from './lru';

describe('Lru', () => {
  it('never holds more than its bound, forgetting the least recently used first', () => {
    const lru = new Lru<number>(3);
    for (let i = 0; i < 10; i++) lru.set(`k${i}`, i);
    expect(lru.size).toBe(3);
    expect(lru.get('k6')).toBeUndefined();
    expect([lru.get('k7'), lru.get('k8'), lru.get('k9')]).toEqual([7, 8, 9]);
  });

  it('a read makes an entry the most recently used', () => {
    const lru = new Lru<string>(2);
    lru.set('a', 'A');
    lru.set('b', 'B');
    lru.get('a');
    lru.set('c', 'C');
    expect(lru.get('a')).toBe('A');
    expect(lru.get('b')).toBeUndefined();
  });

  it('refuses a bound below one entry', () => {
    expect(() => new Lru(0)).toThrow();
  });
});

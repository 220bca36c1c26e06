import { describe, expect, it } from 'vitest';
import {
  addDelta,
  applyChange,
  clearDelta,
  compare,
  emptyCart,
  itemsOf,
  joinState,
  localChange,
  quantityIn,
  removeDelta,
  snapshotOf,
} from './crdt';

describe('cart CRDT', () => {
  it('version vectors tell ordered from concurrent histories', () => {
    expect(compare({ us: 1 }, { us: 1 })).toBe('equal');
    expect(compare({ us: 1 }, { us: 2, eu: 1 })).toBe('before');
    expect(compare({ us: 2, eu: 1 }, { us: 1 })).toBe('after');
    expect(compare({ us: 2 }, { us: 1, eu: 1 })).toBe('concurrent');
  });

  it('a change applies once: a redelivery is recognised by its dot', () => {
    const { change } = localChange(emptyCart(), 'us', addDelta(emptyCart(), 'us', 'A', 2));
    const once = applyChange(emptyCart(), change);
    expect(applyChange(once, change)).toBe(once);
    expect(quantityIn(once, 'A')).toBe(2);
  });

  it('a change that arrives before an earlier one of its origin waits for it', () => {
    const first = localChange(emptyCart(), 'us', addDelta(emptyCart(), 'us', 'A', 1));
    const second = localChange(first.state, 'us', addDelta(first.state, 'us', 'B', 1));
    const early = applyChange(emptyCart(), second.change);
    expect(itemsOf(early)).toEqual([]);
    expect(early.vv).toEqual({});
    const both = applyChange(early, first.change);
    expect(itemsOf(both)).toEqual([
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 1 },
    ]);
    expect(both.vv).toEqual({ us: 2 });
    expect(both.pending).toEqual([]);
  });

  it('joining a whole state is idempotent and commutative', () => {
    const a = localChange(emptyCart(), 'us', addDelta(emptyCart(), 'us', 'A', 2)).state;
    const b = localChange(emptyCart(), 'eu', addDelta(emptyCart(), 'eu', 'A', 3)).state;
    const ab = joinState(a, b);
    expect(joinState(b, a)).toEqual(ab);
    expect(joinState(ab, b)).toEqual(ab);
    expect(quantityIn(ab, 'A')).toBe(5);
  });

  it('removing a line nobody holds is no change; a clear takes only what its snapshot saw', () => {
    expect(removeDelta(emptyCart(), 'A')).toBeNull();
    const held = localChange(emptyCart(), 'us', addDelta(emptyCart(), 'us', 'A', 2)).state;
    const snapshot = snapshotOf(held);
    const more = localChange(held, 'us', addDelta(held, 'us', 'A', 3)).state;
    const cleared = localChange(more, 'us', clearDelta(snapshot)).state;
    expect(itemsOf(cleared)).toEqual([{ sku: 'A', quantity: 3 }]);
  });

  it('an add needs a positive integer quantity', () => {
    for (const q of [0, -1, 1.5]) expect(() => addDelta(emptyCart(), 'us', 'A', q)).toThrow();
  });
});

import { describe, expect, it } from 'vitest';
import { check } from '../checker.ts';
import { type Level, type StockInput, type StockOutput, stockModel } from './stock.ts';

const key = 'MRD-X/us';
const level = (available: number, reserved = 0, sold = 0): StockOutput => ({
  kind: 'level',
  level: { available, reserved, sold } satisfies Level,
});
const op = (
  clientId: number,
  input: StockInput,
  output: StockOutput,
  call: number,
  ret: number,
) => ({
  clientId,
  input,
  output,
  call,
  return: ret,
});
const baseline = (available: number) => op(0, { op: 'baseline', key }, level(available), -2, -1);
const read = (c: number, out: StockOutput, call: number, ret: number) =>
  op(c, { op: 'read', key }, out, call, ret);
const INF = Number.POSITIVE_INFINITY;

describe('the stock shard model', () => {
  it('an order confirmed while reads watched it move through reserved to sold', () => {
    const history = [
      baseline(5),
      op(1, { op: 'reserve', key, order: 'o1', quantity: 2 }, { kind: 'held' }, 0, 100),
      op(1, { op: 'confirm', key, order: 'o1' }, { kind: 'done' }, 0, 100),
      read(2, level(3, 2, 0), 10, 20),
      read(2, level(3, 0, 2), 30, 40),
      read(3, level(3, 0, 2), 110, 120),
    ];
    expect(check(stockModel, history).result).toBe('ok');
  });

  it('never sells stock twice: two holds of 4 out of 5 cannot both be confirmed', () => {
    const history = [
      baseline(5),
      op(1, { op: 'reserve', key, order: 'o1', quantity: 4 }, { kind: 'held' }, 0, 100),
      op(1, { op: 'confirm', key, order: 'o1' }, { kind: 'done' }, 0, 100),
      op(2, { op: 'reserve', key, order: 'o2', quantity: 4 }, { kind: 'held' }, 0, 100),
      op(2, { op: 'confirm', key, order: 'o2' }, { kind: 'done' }, 0, 100),
    ];
    expect(check(stockModel, history).result).toBe('illegal');
  });

  it('out_of_stock only when the stock was short at some point of the call', () => {
    const reserve = (out: StockOutput) =>
      op(1, { op: 'reserve', key, order: 'o1', quantity: 3 }, out, 10, 20);
    const restock = op(2, { op: 'restock', key, quantity: 5 }, level(6), 0, 5);
    expect(
      check(stockModel, [baseline(1), restock, reserve({ kind: 'out_of_stock' })]).result,
    ).toBe('illegal');
    const concurrent = { ...restock, call: 12, return: 30 };
    expect(
      check(stockModel, [baseline(1), concurrent, reserve({ kind: 'out_of_stock' })]).result,
    ).toBe('ok');
  });

  it('a restock that got no answer may or may not have applied, but not twice', () => {
    const lost = op(1, { op: 'restock', key, quantity: 4 }, { kind: 'unknown' }, 0, INF);
    expect(check(stockModel, [baseline(1), lost, read(2, level(1), 10, 20)]).result).toBe('ok');
    expect(check(stockModel, [baseline(1), lost, read(2, level(5), 10, 20)]).result).toBe('ok');
    expect(check(stockModel, [baseline(1), lost, read(2, level(9), 10, 20)]).result).toBe(
      'illegal',
    );
  });

  it('a release before the hold leaves a tombstone: the late reserve holds nothing', () => {
    const history = [
      baseline(5),
      op(1, { op: 'release', key, order: 'o1' }, { kind: 'done' }, 0, 10),
      op(1, { op: 'reserve', key, order: 'o1', quantity: 2 }, { kind: 'unknown' }, 0, 100),
      read(2, level(3, 2, 0), 20, 30),
    ];
    expect(check(stockModel, history).result).toBe('illegal');
  });

  it('a cancelled order may have been confirmed before its release returned the units', () => {
    const history = [
      baseline(5),
      op(1, { op: 'reserve', key, order: 'o1', quantity: 2 }, { kind: 'unknown' }, 0, 100),
      op(1, { op: 'confirm', key, order: 'o1' }, { kind: 'unknown' }, 0, 100),
      op(1, { op: 'release', key, order: 'o1' }, { kind: 'done' }, 0, 100),
      read(2, level(3, 0, 2), 10, 20),
      read(2, level(5, 0, 0), 110, 120),
    ];
    expect(check(stockModel, history).result).toBe('ok');
  });

  it('the control read: a read model that shows an old level after a restock returned is refused', () => {
    const history = [
      baseline(5),
      op(1, { op: 'restock', key, quantity: 1 }, level(6), 0, 10),
      op(2, { op: 'read_available', key }, { kind: 'available', available: 5 }, 20, 30),
    ];
    expect(check(stockModel, history).result).toBe('illegal');
  });

  it('two concurrent restocks cannot both answer the level after both (the finding in docs/consistency.md)', () => {
    // Seen in a run: from 9 available, restock(3) and restock(2) both answered 14.
    const restock = (c: number, quantity: number, output: StockOutput) =>
      op(c, { op: 'restock', key, quantity }, output, 10, 20);
    const strict = [baseline(9), restock(1, 3, level(14)), restock(2, 2, level(14))];
    expect(check(stockModel, strict).result).toBe('illegal');
    // Recorded as what the shard does: the restock applies, then its answer is a read.
    const split = [
      baseline(9),
      restock(1, 3, { kind: 'done' }),
      read(1, level(14), 10, 20),
      restock(2, 2, { kind: 'done' }),
      read(2, level(14), 10, 20),
    ];
    expect(check(stockModel, split).result).toBe('ok');
  });
});

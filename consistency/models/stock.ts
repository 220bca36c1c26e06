/**
 * The stock of one SKU in one region, as its shard leader keeps it and as a
 * client can observe it over HTTP: reads and restocks at the leader
 * (`GET /v1/inventory/:sku`, `POST …/restock`), and the reservation steps
 * an order's saga takes there (reserve, then confirm or release), each
 * known to have happened between placing the order and seeing it end.
 *
 *   restock   available += q
 *   reserve   available → reserved (held), or out_of_stock when short
 *   confirm   reserved  → sold
 *   release   reserved  → available; sold → available when it was
 *             confirmed; a release of an unknown order leaves a tombstone
 *             that makes a later reserve answer "released" and hold nothing
 *
 * A history starts with a `baseline` read of each SKU, done before anything
 * else: the initial level is unknown until then. (A baseline is not an
 * observation the shrinker may drop: without it nothing is explained.)
 */
import type { NondeterministicModel } from '../nondeterministic.ts';
import { nondeterministic } from '../nondeterministic.ts';

export interface Level {
  available: number;
  reserved: number;
  sold: number;
}

export type StockInput =
  | { op: 'baseline'; key: string }
  | { op: 'read'; key: string }
  /** The control: a read that shows only `available` (e.g. through a read model). */
  | { op: 'read_available'; key: string }
  | { op: 'restock'; key: string; quantity: number }
  | { op: 'reserve'; key: string; order: string; quantity: number }
  | { op: 'confirm'; key: string; order: string }
  | { op: 'release'; key: string; order: string };

export type StockOutput =
  | { kind: 'level'; level: Level }
  | { kind: 'available'; available: number }
  | { kind: 'held' }
  | { kind: 'out_of_stock' }
  | { kind: 'done' }
  /** No answer, or an answer that does not say what happened: possibly applied. */
  | { kind: 'unknown' };

type HoldStatus = 'held' | 'confirmed' | 'released' | 'rejected';

export interface StockState {
  level: Level | null;
  /** By order id: quantity and status; sorted by id so equal states print equally. */
  holds: ReadonlyArray<readonly [string, number, HoldStatus]>;
}

const signatures = new WeakMap<StockState, string>();
function signature(s: StockState): string {
  let sig = signatures.get(s);
  if (sig === undefined) {
    const l = s.level;
    sig = `${l ? `${l.available}/${l.reserved}/${l.sold}` : '?'}|${s.holds.map((h) => h.join(':')).join(',')}`;
    signatures.set(s, sig);
  }
  return sig;
}

const holdOf = (s: StockState, order: string) => s.holds.find(([id]) => id === order);

function withHold(
  s: StockState,
  order: string,
  quantity: number,
  status: HoldStatus,
  level: Level,
): StockState {
  const holds = [...s.holds.filter(([id]) => id !== order), [order, quantity, status] as const];
  holds.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { level, holds };
}

const sameLevel = (a: Level, b: Level) =>
  a.available === b.available && a.reserved === b.reserved && a.sold === b.sold;

/** What a reserve does in `s`, and how the shard answers it. */
function reserve(
  s: StockState,
  l: Level,
  order: string,
  q: number,
): { state: StockState; answer: 'held' | 'out_of_stock' | 'released' } {
  if (holdOf(s, order)) return { state: s, answer: 'released' };
  if (l.available < q)
    return { state: withHold(s, order, q, 'rejected', l), answer: 'out_of_stock' };
  const level = { ...l, available: l.available - q, reserved: l.reserved + q };
  return { state: withHold(s, order, q, 'held', level), answer: 'held' };
}

function confirm(s: StockState, l: Level, order: string): StockState | null {
  const hold = holdOf(s, order);
  if (hold?.[2] !== 'held') return null;
  const q = hold[1];
  return withHold(s, order, q, 'confirmed', { ...l, reserved: l.reserved - q, sold: l.sold + q });
}

function release(s: StockState, l: Level, order: string): StockState {
  const hold = holdOf(s, order);
  if (!hold) return withHold(s, order, 0, 'released', l);
  const [, q, status] = hold;
  if (status === 'held')
    return withHold(s, order, q, 'released', {
      ...l,
      reserved: l.reserved - q,
      available: l.available + q,
    });
  if (status === 'confirmed')
    return withHold(s, order, q, 'released', {
      ...l,
      sold: l.sold - q,
      available: l.available + q,
    });
  return s;
}

function step(s: StockState, input: StockInput, output: StockOutput): StockState[] {
  const l = s.level;
  if (l === null)
    return input.op === 'baseline' && output.kind === 'level'
      ? [{ ...s, level: output.level }]
      : [];
  const unknown = output.kind === 'unknown';
  switch (input.op) {
    case 'baseline':
    case 'read':
      return output.kind === 'level' && sameLevel(l, output.level) ? [s] : [];
    case 'read_available':
      return output.kind === 'available' && output.available === l.available ? [s] : [];
    case 'restock': {
      const next = { ...s, level: { ...l, available: l.available + input.quantity } };
      if (unknown) return [s, next];
      // Applied, its answer recorded apart (as a read within its interval).
      if (output.kind === 'done') return [next];
      return output.kind === 'level' && next.level && sameLevel(next.level, output.level)
        ? [next]
        : [];
    }
    case 'reserve': {
      const { state, answer } = reserve(s, l, input.order, input.quantity);
      return unknown || output.kind === answer ? [state] : [];
    }
    case 'confirm': {
      const next = confirm(s, l, input.order);
      if (unknown) return next ? [s, next] : [s];
      return output.kind === 'done' && next ? [next] : [];
    }
    case 'release': {
      const next = release(s, l, input.order);
      return unknown ? [s, next] : output.kind === 'done' ? [next] : [];
    }
  }
}

function describeOutput(output: StockOutput): string {
  switch (output.kind) {
    case 'level':
      return `${output.level.available} available, ${output.level.reserved} reserved, ${output.level.sold} sold`;
    case 'available':
      return `${output.available} available`;
    case 'unknown':
      return '? (no answer: possibly applied)';
    default:
      return output.kind;
  }
}

function describeOperation(input: StockInput, output: StockOutput): string {
  const out = describeOutput(output);
  switch (input.op) {
    case 'baseline':
    case 'read':
    case 'read_available':
      return `${input.op}() → ${out}`;
    case 'restock':
      return `restock(${input.quantity}) → ${out}`;
    case 'reserve':
      return `reserve(${input.order}, ${input.quantity}) → ${out}`;
    default:
      return `${input.op}(${input.order}) → ${out}`;
  }
}

export const stockSpec: NondeterministicModel<StockState, StockInput, StockOutput> = {
  key: (input) => input.key,
  init: () => [{ level: null, holds: [] }],
  step,
  equal: (a, b) => a === b || signature(a) === signature(b),
  describeOperation,
  describeState: (s) =>
    s.level
      ? `${s.level.available} available, ${s.level.reserved} reserved, ${s.level.sold} sold` +
        (s.holds.length
          ? `; holds ${s.holds.map(([id, q, st]) => `${id}:${q}:${st}`).join(' ')}`
          : '')
      : 'not read yet',
  readOnly: (input) => input.op === 'read' || input.op === 'read_available',
};

/** The stock shard model as the checker runs it. */
export const stockModel = nondeterministic(stockSpec);

/**
 * A linearizability checker: the Wing–Gong algorithm with Lowe's memoisation,
 * ported from Porcupine (github.com/anishathalye/porcupine, checker.go).
 *
 * A history is a set of operations, each with its invocation and response
 * time. It is linearizable when the operations can be put in one order that
 * respects real time (an operation that returned before another was invoked
 * comes first) and that the model, a sequential specification, accepts.
 *
 * - P-compositionality: the history is split by the model's `key`, and each
 *   part is checked on its own (linearizability is local).
 * - The search walks a doubly linked list of call and return entries sorted
 *   by time; linearizing an operation lifts its call and return out of the
 *   list, backtracking puts them back (unlift).
 * - Memoisation: a (bitset of linearized operations, model state) pair that
 *   was reached before is never explored again; states compare with `equal`.
 * - A time budget and a memory budget: when either runs out the answer is
 *   "unknown", never a guess (and never an out-of-memory crash).
 *
 * An operation whose outcome the client never learned (a timeout) has
 * `return: Infinity` and an output the model accepts in any state: it may
 * take effect anywhere after its invocation, or (placed last) not at all.
 */
import { Bitset } from './bitset.ts';

export interface Operation<I, O> {
  clientId: number;
  input: I;
  /** Invocation time (any monotonic clock; the driver uses ms since the run began). */
  call: number;
  output: O;
  /** Response time; Infinity when the client never got an answer (possibly applied). */
  return: number;
}

export interface Model<S, I, O> {
  /** The object an operation acts on; histories are checked per key. Default: one key. */
  key?: (input: I) => string;
  init: () => S;
  /** Whether `output` is a legal answer to `input` in `state`, and the state after it. */
  step: (state: S, input: I, output: O) => readonly [boolean, S];
  /** Default: `Object.is`. */
  equal?: (a: S, b: S) => boolean;
  describeOperation?: (input: I, output: O) => string;
  describeState?: (state: S) => string;
  /** Operations that never change the state (reads): the shrinker may drop them. */
  readOnly?: (input: I) => boolean;
}

export type CheckResult = 'ok' | 'illegal' | 'unknown';

export interface PartitionResult<I, O> {
  key: string;
  result: CheckResult;
  operations: Operation<I, O>[];
  /** The longest linearizable prefix found, as indexes into `operations`, in order. */
  longest: number[];
}

export interface CheckOutcome<I, O> {
  result: CheckResult;
  partitions: PartitionResult<I, O>[];
  elapsed_ms: number;
}

export interface CheckOptions {
  /** Budget for the whole history; past it the answer is "unknown". Default 10 s. */
  timeout_ms?: number;
  /**
   * Memory budget of one partition's memo (linearized sets and states seen);
   * past it the answer is "unknown", never an out-of-memory crash. Default
   * 1 GiB (an estimate: each entry's bitset plus a fixed overhead).
   */
  memo_bytes_max?: number;
}

const MEMO_BYTES_MAX = 1024 ** 3;
/** Estimated bytes of one memo entry beside its bitset's words (objects, array slot, state). */
const MEMO_ENTRY_OVERHEAD_BYTES = 120;

interface Entry {
  kind: 'call' | 'return';
  value: unknown;
  id: number;
  time: number;
}

/** A node of the entry list: a call node has `match` (its return), a return node has none. */
interface ListNode {
  value: unknown;
  match: ListNode | null;
  id: number;
  next: ListNode | null;
  prev: ListNode | null;
}

/** Calls before returns at equal times: touching operations count as concurrent. */
function makeEntries<I, O>(operations: readonly Operation<I, O>[]): Entry[] {
  const entries: Entry[] = [];
  operations.forEach((op, id) => {
    entries.push({ kind: 'call', value: op.input, id, time: op.call });
    entries.push({ kind: 'return', value: op.output, id, time: op.return });
  });
  return entries.sort((a, b) =>
    a.time !== b.time ? a.time - b.time : a.kind === b.kind ? 0 : a.kind === 'call' ? -1 : 1,
  );
}

/** The list, built back to front so each call node can point at its return node. */
function makeLinkedEntries(entries: readonly Entry[]): ListNode | null {
  let root: ListNode | null = null;
  const returns = new Map<number, ListNode>();
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i] as Entry;
    const match = entry.kind === 'call' ? (returns.get(entry.id) ?? null) : null;
    const node: ListNode = { value: entry.value, match, id: entry.id, next: root, prev: null };
    if (entry.kind === 'return') returns.set(entry.id, node);
    if (root) root.prev = node;
    root = node;
  }
  return root;
}

/** Takes a call and its return out of the list (the call is never the head sentinel). */
function lift(entry: ListNode): void {
  (entry.prev as ListNode).next = entry.next;
  if (entry.next) entry.next.prev = entry.prev;
  const match = entry.match as ListNode;
  (match.prev as ListNode).next = match.next;
  if (match.next) match.next.prev = match.prev;
}

/** Puts them back, in the reverse order of `lift`. */
function unlift(entry: ListNode): void {
  const match = entry.match as ListNode;
  (match.prev as ListNode).next = match;
  if (match.next) match.next.prev = match;
  (entry.prev as ListNode).next = entry;
  if (entry.next) entry.next.prev = entry;
}

interface Cached<S> {
  linearized: Bitset;
  state: S;
}

interface SingleResult {
  result: CheckResult;
  longest: number[];
}

/** The search over one partition. */
function checkSingle<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly Operation<I, O>[],
  deadline: number,
  memo_bytes_max: number,
): SingleResult {
  const equal = model.equal ?? Object.is;
  const entries_max = Math.floor(
    memo_bytes_max / (MEMO_ENTRY_OVERHEAD_BYTES + 8 * Math.ceil(operations.length / 32)),
  );
  let entries = 0;
  const first = makeLinkedEntries(makeEntries(operations));
  const head: ListNode = { value: null, match: null, id: -1, next: first, prev: null };
  if (first) first.prev = head;
  const linearized = new Bitset(operations.length);
  const cache = new Map<number, Cached<S>[]>();
  const calls: Array<{ entry: ListNode; state: S }> = [];
  let longest: number[] = [];
  let state = model.init();
  let entry = head.next;
  let iterations = 0;
  while (head.next !== null && entry !== null) {
    if ((++iterations & 1023) === 0 && Date.now() > deadline) return { result: 'unknown', longest };
    if (entry.match !== null) {
      const [legal, next] = model.step(state, entry.value as I, entry.match.value as O);
      if (legal) {
        // Marked in place, copied only when the pair is new (most are not).
        linearized.set(entry.id);
        const hash = linearized.hash();
        const bucket = cache.get(hash);
        const seen = bucket?.some((c) => c.linearized.equals(linearized) && equal(c.state, next));
        if (!seen) {
          if (++entries > entries_max) return { result: 'unknown', longest };
          const cached = { linearized: linearized.clone(), state: next };
          if (bucket) bucket.push(cached);
          else cache.set(hash, [cached]);
          calls.push({ entry, state });
          state = next;
          lift(entry);
          entry = head.next;
          continue;
        }
        linearized.clear(entry.id);
      }
      entry = entry.next;
    } else {
      // A return whose call is not linearized yet: backtrack.
      if (calls.length > longest.length) longest = calls.map((c) => c.entry.id);
      const top = calls.pop();
      if (!top) return { result: 'illegal', longest };
      state = top.state;
      linearized.clear(top.entry.id);
      unlift(top.entry);
      entry = top.entry.next;
    }
  }
  return { result: 'ok', longest: calls.map((c) => c.entry.id) };
}

/** Splits a history by the model's key, keeping each part in its original order. */
export function partitionHistory<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
): Map<string, Operation<I, O>[]> {
  const parts = new Map<string, Operation<I, O>[]>();
  for (const op of history) {
    const key = model.key ? model.key(op.input) : '';
    const part = parts.get(key) ?? [];
    part.push(op);
    parts.set(key, part);
  }
  return parts;
}

/** Checks one history; partitions are checked in turn within one shared budget. */
export function check<S, I, O>(
  model: Model<S, I, O>,
  history: readonly Operation<I, O>[],
  { timeout_ms = 10_000, memo_bytes_max = MEMO_BYTES_MAX }: CheckOptions = {},
): CheckOutcome<I, O> {
  const started = Date.now();
  const deadline = started + timeout_ms;
  const partitions: PartitionResult<I, O>[] = [];
  for (const [key, operations] of partitionHistory(model, history)) {
    const outOfTime = Date.now() > deadline;
    const single: SingleResult = outOfTime
      ? { result: 'unknown', longest: [] }
      : checkSingle(model, operations, deadline, memo_bytes_max);
    partitions.push({ key, operations, ...single });
  }
  const results = new Set(partitions.map((p) => p.result));
  const result: CheckResult = results.has('illegal')
    ? 'illegal'
    : results.has('unknown')
      ? 'unknown'
      : 'ok';
  return { result, partitions, elapsed_ms: Date.now() - started };
}

/**
 * The operations that could be linearized right after `prefix` (those
 * invoked before any remaining operation returned): when a partition is
 * illegal and `prefix` is its longest linearizable prefix, each of them
 * either contradicts the state or leads only to dead ends.
 */
export function candidatesAfter<I, O>(
  operations: readonly Operation<I, O>[],
  prefix: readonly number[],
): number[] {
  const placed = new Set(prefix);
  const remaining = operations.map((op, id) => ({ op, id })).filter(({ id }) => !placed.has(id));
  const firstReturn = Math.min(...remaining.map(({ op }) => op.return));
  return remaining.filter(({ op }) => op.call <= firstReturn).map(({ id }) => id);
}

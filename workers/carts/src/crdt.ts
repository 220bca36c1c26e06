/**
 * The cart as a CRDT: a map SKU → line, replicated by changes (deltas) and,
 * for anti-entropy, by whole states. Pure: no I/O, no clock.
 *
 * A line keeps, per origin replica x, two monotonic counters: `added` (all
 * that x ever added to the SKU; only x raises it) and `removed` (how much of
 * x's additions some remove had seen). Its quantity is Σₓ max(0, added − removed).
 * Merging is the pointwise max, so it is commutative, associative and
 * idempotent:
 * - concurrent adds of a SKU at two replicas raise two origins' counters: they sum;
 * - a remove raises `removed` to the `added` its replica had seen, so an add it
 *   had not seen (a higher `added` elsewhere) survives — observed-remove;
 * - a checkout's lines leave the cart by the same rule, with the counters the
 *   checkout saw, so a line added meanwhile stays.
 *
 * Every change carries a dot (origin, seq). Changes of one origin are applied
 * in seq order (a change that arrives early waits in `pending`), so the
 * version vector `vv` says exactly what a replica has seen: every change
 * (x, s) with s ≤ vv[x]. That is what a remove "had seen", what a redelivered
 * change is recognised by, and what a peer lacks.
 *
 * A line whose quantity fell to 0 keeps its counters: forgetting them would
 * let an origin's next add restart below what removes elsewhere had seen.
 * The number of SKUs a cart has ever held is therefore bounded by the
 * service (CART_SKUS_MAX), which also bounds the size of a whole state.
 */

export type ReplicaId = string;
/** Per origin, the number of its changes applied (a contiguous prefix). */
export type VersionVector = Readonly<Record<ReplicaId, number>>;

export interface Counter {
  added: number;
  removed: number;
}
/** One SKU's counters, by origin. */
export type LineCounters = Readonly<Record<ReplicaId, Counter>>;

export interface Dot {
  replica: ReplicaId;
  seq: number;
}

/** A change: counters to merge, by SKU, under one dot. */
export interface Change {
  dot: Dot;
  lines: Readonly<Record<string, LineCounters>>;
}

export interface CartState {
  lines: Readonly<Record<string, LineCounters>>;
  vv: VersionVector;
  /** Changes that arrived ahead of a gap in their origin's sequence. */
  pending: readonly Change[];
}

/** Per SKU, per origin: the `added` counters a checkout saw. */
export type Snapshot = Readonly<Record<string, Readonly<Record<ReplicaId, number>>>>;

export interface CartItem {
  sku: string;
  quantity: number;
}

/** Changes held for a gap at most; beyond that they are dropped and anti-entropy resends them. */
export const PENDING_MAX = 256;

export const emptyCart = (): CartState => ({ lines: {}, vv: {}, pending: [] });

// ── version vectors ──────────────────────────────────────────────────────────

const seqOf = (vv: VersionVector, replica: ReplicaId): number => vv[replica] ?? 0;

/** a ≤ b: every change `a` has seen, `b` has seen too. */
export function leq(a: VersionVector, b: VersionVector): boolean {
  return Object.entries(a).every(([replica, seq]) => seq <= seqOf(b, replica));
}

export type Ordering = 'equal' | 'before' | 'after' | 'concurrent';

/** How two histories relate: one contains the other, or each has what the other lacks. */
export function compare(a: VersionVector, b: VersionVector): Ordering {
  const below = leq(a, b);
  const above = leq(b, a);
  if (below && above) return 'equal';
  if (below) return 'before';
  if (above) return 'after';
  return 'concurrent';
}

export function maxVV(a: VersionVector, b: VersionVector): VersionVector {
  const out: Record<ReplicaId, number> = { ...a };
  for (const [replica, seq] of Object.entries(b)) out[replica] = Math.max(seqOf(out, replica), seq);
  return out;
}

// ── lines ────────────────────────────────────────────────────────────────────

export function quantityOf(counters: LineCounters): number {
  let quantity = 0;
  for (const { added, removed } of Object.values(counters))
    quantity += Math.max(0, added - removed);
  return quantity;
}

function joinCounters(a: LineCounters, b: LineCounters): LineCounters {
  const out: Record<ReplicaId, Counter> = { ...a };
  for (const [origin, c] of Object.entries(b)) {
    const mine = out[origin] ?? { added: 0, removed: 0 };
    out[origin] = {
      added: Math.max(mine.added, c.added),
      removed: Math.max(mine.removed, c.removed),
    };
  }
  return out;
}

function joinLines(
  lines: Readonly<Record<string, LineCounters>>,
  delta: Readonly<Record<string, LineCounters>>,
): Record<string, LineCounters> {
  const out: Record<string, LineCounters> = { ...lines };
  for (const [sku, counters] of Object.entries(delta))
    out[sku] = joinCounters(out[sku] ?? {}, counters);
  return out;
}

/** The lines with a positive quantity, by SKU. */
export function itemsOf(state: CartState): CartItem[] {
  return Object.entries(state.lines)
    .map(([sku, line]) => ({ sku, quantity: quantityOf(line) }))
    .filter((item) => item.quantity > 0)
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

export function quantityIn(state: CartState, sku: string): number {
  const line = state.lines[sku];
  return line ? quantityOf(line) : 0;
}

// ── the deltas of the three operations ───────────────────────────────────────

/** `quantity` more of `sku`, added at `replica` (its own `added` counter grows). */
export function addDelta(
  state: CartState,
  replica: ReplicaId,
  sku: string,
  quantity: number,
): Record<string, LineCounters> {
  if (!Number.isInteger(quantity) || quantity <= 0)
    throw new Error(`an add needs a positive integer quantity, got ${quantity}`);
  const added = state.lines[sku]?.[replica]?.added ?? 0;
  return { [sku]: { [replica]: { added: added + quantity, removed: 0 } } };
}

/** Removes what this replica has seen of `sku`; null when it holds none (nothing to remove). */
export function removeDelta(state: CartState, sku: string): Record<string, LineCounters> | null {
  const line = state.lines[sku];
  if (!line || quantityOf(line) === 0) return null;
  const counters: Record<ReplicaId, Counter> = {};
  for (const [origin, c] of Object.entries(line))
    if (c.added > c.removed) counters[origin] = { added: 0, removed: c.added };
  return { [sku]: counters };
}

/** The `added` counters of every line this replica holds, for a checkout. */
export function snapshotOf(state: CartState): Snapshot {
  const out: Record<string, Record<ReplicaId, number>> = {};
  for (const [sku, line] of Object.entries(state.lines)) {
    if (quantityOf(line) === 0) continue;
    out[sku] = Object.fromEntries(Object.entries(line).map(([origin, c]) => [origin, c.added]));
  }
  return out;
}

/** Takes out of the cart exactly what a checkout saw (lines added since stay). */
export function clearDelta(snapshot: Snapshot): Record<string, LineCounters> {
  const out: Record<string, LineCounters> = {};
  for (const [sku, added] of Object.entries(snapshot)) {
    out[sku] = Object.fromEntries(
      Object.entries(added).map(([origin, n]) => [origin, { added: 0, removed: n }]),
    );
  }
  return out;
}

// ── applying changes and states ──────────────────────────────────────────────

/** True when the change is already applied or waiting: a redelivery. */
export function hasSeen(state: CartState, dot: Dot): boolean {
  return (
    dot.seq <= seqOf(state.vv, dot.replica) ||
    state.pending.some((c) => c.dot.replica === dot.replica && c.dot.seq === dot.seq)
  );
}

function applyInOrder(state: CartState, change: Change): CartState {
  return {
    lines: joinLines(state.lines, change.lines),
    vv: { ...state.vv, [change.dot.replica]: change.dot.seq },
    pending: state.pending,
  };
}

/** Applies whatever pending changes are now next in their origin's sequence. */
function drain(state: CartState): CartState {
  let current = state;
  for (;;) {
    const next = current.pending.find((c) => c.dot.seq === seqOf(current.vv, c.dot.replica) + 1);
    const stale = current.pending.filter((c) => c.dot.seq <= seqOf(current.vv, c.dot.replica));
    if (!next && stale.length === 0) return current;
    const pending = current.pending.filter((c) => c !== next && !stale.includes(c));
    current = next ? applyInOrder({ ...current, pending }, next) : { ...current, pending };
  }
}

/** A new change made at `replica` (the next seq of its own origin). */
export function localChange(
  state: CartState,
  replica: ReplicaId,
  lines: Record<string, LineCounters>,
): { state: CartState; change: Change } {
  const change: Change = { dot: { replica, seq: seqOf(state.vv, replica) + 1 }, lines };
  return { state: applyInOrder(state, change), change };
}

/**
 * Merges a change from elsewhere, once: a redelivered one changes nothing,
 * and one that arrives ahead of its origin's earlier changes waits for them.
 */
export function applyChange(state: CartState, change: Change): CartState {
  if (hasSeen(state, change.dot)) return state;
  if (change.dot.seq === seqOf(state.vv, change.dot.replica) + 1)
    return drain(applyInOrder(state, change));
  if (state.pending.length >= PENDING_MAX) return state;
  return { ...state, pending: [...state.pending, change] };
}

/** Merges a peer's whole state (anti-entropy): it has seen every change up to `remote.vv`. */
export function joinState(state: CartState, remote: Pick<CartState, 'lines' | 'vv'>): CartState {
  return drain({
    lines: joinLines(state.lines, remote.lines),
    vv: maxVV(state.vv, remote.vv),
    pending: state.pending,
  });
}

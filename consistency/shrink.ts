/**
 * The minimal failing sub-history of an illegal partition. Only reductions
 * that keep the verdict sound are made, so the sub-history failing proves
 * that the whole history fails:
 *
 * 1. Quiescent cut: keep the operations invoked before some instant at which
 *    every kept operation had returned. Every dropped operation comes after
 *    every kept one in real time, so a linearization of the whole history
 *    starts with a linearization of the kept part.
 * 2. Drop observations: an operation the model marks `readOnly` never changes
 *    the state, so removing it from a linearization leaves a linearization.
 *
 * Dropping a write would not be sound (a read might then have nothing to
 * explain it), so writes stay. Each candidate is re-checked; the shortest
 * cut is found by bisection (a longer cut of an illegal cut is illegal too),
 * then observations are dropped in halving chunks (delta debugging).
 */
import { check, type Model, type Operation } from './checker.ts';

export interface ShrinkOptions {
  /** Budget for all re-checks together; when it runs out the current sub-history stands. */
  timeout_ms?: number;
}

/** Lengths k such that the first k operations (by invocation) had all returned before the rest began. */
function quiescentCuts<I, O>(sorted: readonly Operation<I, O>[]): number[] {
  const cuts: number[] = [];
  let maxReturn = Number.NEGATIVE_INFINITY;
  sorted.forEach((op, i) => {
    maxReturn = Math.max(maxReturn, op.return);
    const next = sorted[i + 1];
    if (!next || maxReturn < next.call) cuts.push(i + 1);
  });
  return cuts;
}

/**
 * A sub-history of `operations` (one partition, known illegal) that is still
 * illegal, with as few operations as the sound reductions and the budget allow.
 */
export function minimalFailingHistory<S, I, O>(
  model: Model<S, I, O>,
  operations: readonly Operation<I, O>[],
  { timeout_ms = 10_000 }: ShrinkOptions = {},
): Operation<I, O>[] {
  const deadline = Date.now() + timeout_ms;
  const illegal = (ops: readonly Operation<I, O>[]) => {
    const left_ms = deadline - Date.now();
    return left_ms > 0 && check(model, ops, { timeout_ms: left_ms }).result === 'illegal';
  };
  const sorted = [...operations].sort((a, b) => a.call - b.call);
  const cuts = quiescentCuts(sorted);
  // The whole history is the last cut and is illegal: find the first illegal one.
  let lo = 0;
  let hi = cuts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (illegal(sorted.slice(0, cuts[mid]))) hi = mid;
    else lo = mid + 1;
  }
  let current = sorted.slice(0, cuts[hi] ?? sorted.length);
  if (!model.readOnly) return current;
  const readOnly = model.readOnly;
  let chunk = Math.max(1, Math.ceil(current.filter((op) => readOnly(op.input)).length / 2));
  while (chunk >= 1 && Date.now() < deadline) {
    const reads = current.filter((op) => readOnly(op.input));
    let removedAny = false;
    for (let start = 0; start < reads.length; start += chunk) {
      const drop = new Set(reads.slice(start, start + chunk));
      const candidate = current.filter((op) => !drop.has(op));
      if (illegal(candidate)) {
        current = candidate;
        removedAny = true;
      }
    }
    if (chunk === 1 && !removedAny) break;
    chunk = chunk === 1 ? 1 : Math.ceil(chunk / 2);
  }
  return current;
}

/**
 * One request's calls to a customer's replicas. Each of the N primaries is a
 * slot, tried in parallel; with `sloppy`, a slot whose primary fails moves to
 * the next unused fallback on the ring (the sloppy quorum), and so on. The
 * caller waits for enough successes; the other calls finish in the
 * background (read repair, the rest of a write).
 */
import type { NodeRef } from './ring';

export interface Success<T> {
  /** The primary whose slot this is. */
  slot: NodeRef;
  /** The node that answered: the primary, or a fallback standing in for it. */
  node: NodeRef;
  result: T;
}

export interface Fanout<T> {
  /** Resolves once `need` successes that `counts` count arrived, or every slot is done. */
  enough(need: number, counts?: (s: Success<T>) => boolean): Promise<Success<T>[]>;
  /** Every success, once every slot is done. */
  settled: Promise<Success<T>[]>;
}

export function fanOut<T>(
  primaries: readonly NodeRef[],
  fallbacks: readonly NodeRef[],
  sloppy: boolean,
  attempt: (node: NodeRef, slot: NodeRef) => Promise<T>,
): Fanout<T> {
  const spare = [...fallbacks];
  const successes: Success<T>[] = [];
  const waiters = new Set<() => void>();
  let done = false;
  const notify = () => {
    for (const waiter of waiters) waiter();
  };
  const runSlot = async (slot: NodeRef): Promise<void> => {
    let node: NodeRef | undefined = slot;
    while (node) {
      try {
        successes.push({ slot, node, result: await attempt(node, slot) });
        notify();
        return;
      } catch {
        node = sloppy ? spare.shift() : undefined;
      }
    }
  };
  const settled = Promise.all(primaries.map(runSlot)).then(() => {
    done = true;
    notify();
    return [...successes];
  });
  const enough = (need: number, counts: (s: Success<T>) => boolean = () => true) =>
    new Promise<Success<T>[]>((resolve) => {
      const check = () => {
        if (done || successes.filter(counts).length >= need) {
          waiters.delete(check);
          resolve([...successes]);
        }
      };
      waiters.add(check);
      check();
    });
  return { enough, settled };
}

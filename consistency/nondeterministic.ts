/**
 * Models whose step may lead to several states: a call whose answer was lost
 * (applied or not), an operation the client observes only in part. As in
 * Porcupine's NondeterministicModel, the checker runs them over the set of
 * possible states (the powerset construction): a step is legal when at least
 * one state allows it, and the next state is every state it can lead to.
 */
import type { Model } from './checker.ts';

export interface NondeterministicModel<S, I, O> {
  key?: (input: I) => string;
  init: () => S[];
  /** Every state `input` with answer `output` can lead to from `state`; none when illegal. */
  step: (state: S, input: I, output: O) => S[];
  equal: (a: S, b: S) => boolean;
  describeOperation?: (input: I, output: O) => string;
  describeState?: (state: S) => string;
  readOnly?: (input: I) => boolean;
}

function distinct<S>(states: readonly S[], equal: (a: S, b: S) => boolean): S[] {
  const out: S[] = [];
  for (const s of states) if (!out.some((t) => equal(s, t))) out.push(s);
  return out;
}

/** The deterministic model over sets of states that the checker runs. */
export function nondeterministic<S, I, O>(m: NondeterministicModel<S, I, O>): Model<S[], I, O> {
  const { equal } = m;
  const describe = m.describeState ?? ((s: S) => JSON.stringify(s));
  return {
    ...(m.key ? { key: m.key } : {}),
    ...(m.describeOperation ? { describeOperation: m.describeOperation } : {}),
    ...(m.readOnly ? { readOnly: m.readOnly } : {}),
    init: () => distinct(m.init(), equal),
    step: (states, input, output) => {
      const next = distinct(
        states.flatMap((s) => m.step(s, input, output)),
        equal,
      );
      return [next.length > 0, next] as const;
    },
    equal: (a, b) => a.length === b.length && a.every((s) => b.some((t) => equal(s, t))),
    describeState: (states) => states.map(describe).join('  |  '),
  };
}

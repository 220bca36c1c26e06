/**
 * A failing partition as text a person can read: the sub-history with each
 * operation's client and interval, the longest linearizable prefix the
 * checker found with the state after each step, and the operations that
 * could come next, each marked with why it cannot.
 */
import { candidatesAfter, check, type Model, type Operation } from './checker.ts';

const time = (t: number) => (Number.isFinite(t) ? t.toFixed(1).padStart(9) : '        ∞');

function describer<S, I, O>(model: Model<S, I, O>) {
  const op =
    model.describeOperation ?? ((i: I, o: O) => `${JSON.stringify(i)} → ${JSON.stringify(o)}`);
  const state = model.describeState ?? ((s: S) => JSON.stringify(s));
  return { op, state };
}

function line<I, O>(
  describe: (i: I, o: O) => string,
  operations: readonly Operation<I, O>[],
  id: number,
): string {
  const o = operations[id] as Operation<I, O>;
  return `#${String(id).padEnd(4)} client ${String(o.clientId).padEnd(3)} [${time(o.call)}, ${time(o.return)}]  ${describe(o.input, o.output)}`;
}

/** The report of one illegal (sub-)history of one key. */
export function renderFailure<S, I, O>(
  model: Model<S, I, O>,
  key: string,
  operations: readonly Operation<I, O>[],
  { timeout_ms = 10_000 }: { timeout_ms?: number } = {},
): string {
  const describe = describer(model);
  const outcome = check(model, operations, { timeout_ms });
  const part = outcome.partitions[0];
  const out: string[] = [
    `key ${key || '(single object)'}: ${outcome.result === 'illegal' ? 'NOT linearizable' : outcome.result}`,
    `${operations.length} operations; times in ms since the run began; ∞ = no answer (possibly applied)`,
    '',
    ...operations.map((_, id) => `  ${line(describe.op, operations, id)}`),
  ];
  if (!part || outcome.result !== 'illegal') return out.join('\n');
  let state = model.init();
  out.push(
    '',
    `longest linearizable prefix (${part.longest.length} operations), state after each:`,
  );
  out.push(`  initial state: ${describe.state(state)}`);
  for (const id of part.longest) {
    const o = operations[id] as Operation<I, O>;
    state = model.step(state, o.input, o.output)[1];
    out.push(`  ${line(describe.op, operations, id)}`, `        state: ${describe.state(state)}`);
  }
  out.push('', 'none of these can come next:');
  for (const id of candidatesAfter(operations, part.longest)) {
    const o = operations[id] as Operation<I, O>;
    const [legal] = model.step(state, o.input, o.output);
    const why = legal ? 'legal here, but every order after it dead-ends' : 'contradicts the state';
    out.push(`  ${line(describe.op, operations, id)}   ✗ ${why}`);
  }
  return out.join('\n');
}

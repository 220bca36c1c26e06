/**
 * Property: with R + W > N (quorum and all), a read that succeeds sees the
 * last acknowledged write, whatever replica faults come and go — against the
 * real storage nodes, faults set through the operator's rules.
 *
 * A run is a series of epochs; in each, every node of the customer's ring
 * (primaries and fallbacks) is up, slow, failing (error) or unanswering
 * (drop), then a few reads and writes run. Slow nodes make a replica that
 * missed writes while it was down often the first to answer once it is back
 * (hints are handed off slowly in the tests). A quorum (or `all`) read or
 * write must succeed exactly when enough of the N replicas answer. A write
 * that failed (503) may still have reached some nodes: a read may then see
 * it, but never anything older than the last acknowledged write.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type Customer,
  customerIn,
  get,
  NODES,
  type NodeFault,
  put,
  setNodeFaults,
} from './helpers';

const RUNS = 40;

type Op = { op: 'put' | 'get'; level: 'quorum' | 'all' };
type NodeState = 'up' | 'slow' | 'error' | 'drop';
interface Epoch {
  nodes: NodeState[];
  ops: Op[];
}

const stateArb = fc.constantFrom<NodeState>(
  'up',
  'up',
  'up',
  'up',
  'slow',
  'slow',
  'error',
  'drop',
);
const epochArb: fc.Arbitrary<Epoch> = fc.record({
  nodes: fc.array(stateArb, { minLength: NODES, maxLength: NODES }),
  ops: fc.array(
    fc.record({
      op: fc.constantFrom('put' as const, 'get' as const),
      level: fc.constantFrom('quorum' as const, 'quorum' as const, 'all' as const),
    }),
    { minLength: 1, maxLength: 4 },
  ),
});

function faultsOf(epoch: Epoch, ring: string[]): NodeFault[] {
  return epoch.nodes.flatMap((state, i): NodeFault[] => {
    const node = ring[i] ?? '';
    if (state === 'up') return [];
    return [state === 'slow' ? { node, kind: 'latency', latencyMs: 40 } : { node, kind: state }];
  });
}

interface History {
  acknowledged: string | null;
  values: Map<string, unknown>;
  n: number;
  reads: number;
}

/** N = 3, W = R = 2: quorum needs 2 replicas up, all needs 3. */
async function runOp(c: Customer, op: Op, replicasUp: number, h: History): Promise<void> {
  const refused = replicasUp < (op.level === 'all' ? 3 : 2);
  if (op.op === 'put') {
    const value = { n: ++h.n };
    const result = await put(c, value, op.level);
    expect(result.ok, `${op.level} write with ${replicasUp} replicas up`).toBe(!refused);
    if (result.ok && result.value.version) {
      h.values.set(result.value.version, value);
      h.acknowledged = result.value.version;
    }
    return;
  }
  const result = await get(c, op.level);
  expect(result.ok, `${op.level} read with ${replicasUp} replicas up`).toBe(!refused);
  if (!result.ok || h.acknowledged === null) return;
  h.reads++;
  const { version, preferences } = result.value;
  expect(version !== null && version >= h.acknowledged, 'no older than the last ack').toBe(true);
  // Anything newer can only be a write that failed after reaching some nodes.
  if (version === h.acknowledged) expect(preferences).toEqual(h.values.get(h.acknowledged));
}

afterEach(() => setNodeFaults([]));

describe('preferences under replica faults', () => {
  it('R + W > N: every successful read sees the last acknowledged write; quorum and all answer exactly when enough replicas do', async () => {
    let runs = 0;
    let reads = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(epochArb, { minLength: 2, maxLength: 6 }), async (epochs) => {
        const c = customerIn('us');
        const ring = [...c.primaries, ...c.fallbacks];
        const history: History = { acknowledged: null, values: new Map(), n: 0, reads: 0 };
        for (const epoch of epochs) {
          await setNodeFaults(faultsOf(epoch, ring));
          const replicasUp = epoch.nodes
            .slice(0, 3)
            .filter((s) => s === 'up' || s === 'slow').length;
          for (const op of epoch.ops) await runOp(c, op, replicasUp, history);
        }
        runs++;
        reads += history.reads;
      }),
      { numRuns: RUNS },
    );
    expect(runs).toBe(RUNS);
    expect(reads).toBeGreaterThan(RUNS);
  }, 300_000);
});

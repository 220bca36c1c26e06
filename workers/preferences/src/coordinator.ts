/**
 * The coordinator of a preferences read or write (stateless; any isolate).
 *
 * A customer's N replicas are the first N nodes of their preference list;
 * the nodes after them are fallbacks. Levels:
 * - `quorum` and `all` are strict: they count the answers of the N replicas
 *   themselves (R or W of them, or all N). An acknowledged write is then
 *   stored on W replicas, a successful read heard R replicas, and R + W > N
 *   makes the two meet: a quorum read sees the last acknowledged quorum
 *   write, whatever nodes fail in between.
 * - `one` is sloppy: a fallback standing in for a failed replica counts
 *   (for a write it keeps a hint; for a read it answers with the hints it
 *   holds). Most available, and no promise to see the last write.
 *
 * Whatever the level, a replica that fails a write gets a hint at the next
 * fallback, which hands it off when the replica answers again (hinted
 * handoff); and every read repairs, in the background, each replica that
 * answered with an older copy (read repair).
 *
 * Why quorum does not count hints (Dynamo's sloppy quorum does): counting a
 * fallback's hint toward W lets a quorum read miss an acknowledged write as
 * soon as the replica is back and answers before its hint arrives. The
 * property test (test/property.test.ts) finds exactly that schedule.
 *
 * A write first reads at its own level: its version must be above the
 * newest that level sees, which is what makes a write that follows an
 * acknowledged one win over it, even with clocks apart (hlc.ts).
 */
import type {
  ConsistencyLevel,
  PreferencesObject,
  PreferencesView,
  ReplicasView,
} from '@common/contracts/preferences';
import { fail, ok, type Result } from '@common/problem';
import type { Region } from '@common/regions';
import { withTimeout } from '@common/resilience';
import { needed, type PreferencesConfig } from './config';
import { fanOut, type Success } from './fanout';
import { callNode, isDown } from './faults';
import { HybridClock, newer } from './hlc';
import type { NodeRead, Versioned } from './node';
import { type NodeRef, nodeStub, preferenceList } from './ring';

/** One clock per isolate, made on first use (no random values at module scope in Workers). */
let clock: HybridClock | undefined;
function hlc(): HybridClock {
  clock ??= new HybridClock();
  return clock;
}

export interface Coordination {
  env: PreferencesEnv;
  config: PreferencesConfig;
  /** Keeps background work (read repair, the rest of a write) alive after the answer. */
  waitUntil(work: Promise<unknown>): void;
}

const unavailable = (got: number, need: number, level: ConsistencyLevel) =>
  fail<never>(
    503,
    'replicas_unavailable',
    `${got} of the ${need} replicas that consistency=${level} needs answered; try again`,
    { retryAfter: 1 },
  );

function placement(ctx: Coordination, customerId: string, home: Region) {
  const list = preferenceList(home, customerId, ctx.config.nodes);
  return { primaries: list.slice(0, ctx.config.n), fallbacks: list.slice(ctx.config.n) };
}

/** What a node's answer says about the customer: its own copy, or the hint a fallback holds. */
const copyOf = (s: Success<NodeRead>): Versioned | null =>
  s.node.id === s.slot.id ? s.result.own : (s.result.hinted ?? s.result.own);

function newest(answers: readonly Success<NodeRead>[]): Versioned | null {
  let best: Versioned | null = null;
  for (const answer of answers) {
    const copy = copyOf(answer);
    if (copy && newer(best?.version ?? null, copy.version) === copy.version) best = copy;
  }
  return best;
}

async function readAt(
  ctx: Coordination,
  customerId: string,
  home: Region,
  level: ConsistencyLevel,
): Promise<Result<Versioned | null>> {
  const { primaries, fallbacks } = placement(ctx, customerId, home);
  const need = needed(ctx.config, level, 'read');
  const sloppy = level === 'one';
  const calls = fanOut<NodeRead>(primaries, fallbacks, sloppy, (node) =>
    callNode(ctx.env.PREFERENCE_NODE, node, ctx.config.replica_timeout_ms, async (stub) =>
      stub.read(customerId),
    ),
  );
  const answers = await calls.enough(need);
  ctx.waitUntil(calls.settled.then((all) => repair(ctx, customerId, all)));
  if (answers.length < need) return unavailable(answers.length, need, level);
  return ok(newest(answers));
}

/** Read repair: the newest copy to every primary that answered with an older one. */
async function repair(ctx: Coordination, customerId: string, answers: Success<NodeRead>[]) {
  const best = newest(answers);
  if (!best) return;
  const stale = answers.filter(
    (a) => a.node.id === a.slot.id && (a.result.own?.version ?? '') < best.version,
  );
  await Promise.allSettled(
    stale.map((a) =>
      callNode(ctx.env.PREFERENCE_NODE, a.node, ctx.config.replica_timeout_ms, (stub) =>
        stub.write(a.node, customerId, best),
      ),
    ),
  );
}

export async function readPreferences(
  ctx: Coordination,
  customerId: string,
  home: Region,
  level: ConsistencyLevel,
): Promise<Result<PreferencesView>> {
  const read = await readAt(ctx, customerId, home, level);
  if (!read.ok) return read;
  return ok({ preferences: read.value?.value ?? {}, version: read.value?.version ?? null });
}

export async function writePreferences(
  ctx: Coordination,
  customerId: string,
  home: Region,
  level: ConsistencyLevel,
  value: PreferencesObject,
): Promise<Result<PreferencesView>> {
  const current = await readAt(ctx, customerId, home, level);
  if (!current.ok) return current;
  const copy: Versioned = {
    value,
    version: hlc().next(current.value?.version ?? null),
  };
  const { primaries, fallbacks } = placement(ctx, customerId, home);
  const need = needed(ctx.config, level, 'write');
  const calls = fanOut<string>(primaries, fallbacks, true, (node, slot) =>
    callNode(ctx.env.PREFERENCE_NODE, node, ctx.config.replica_timeout_ms, (stub) =>
      stub.write(node, customerId, copy, node.id === slot.id ? undefined : slot),
    ),
  );
  // Hints are always taken, but only `one` counts them (see above).
  const counts = (s: Success<string>) => level === 'one' || s.node.id === s.slot.id;
  const acks = (await calls.enough(need, counts)).filter(counts).length;
  ctx.waitUntil(calls.settled);
  if (acks < need) return unavailable(acks, need, level);
  return ok({ preferences: copy.value, version: copy.version });
}

/** For operators: every node of the customer's preference list, its copy's version and the hints it holds. */
export async function inspectReplicas(
  ctx: Coordination,
  customerId: string,
  home: Region,
): Promise<ReplicasView> {
  const list = preferenceList(home, customerId, ctx.config.nodes);
  const replicas = await Promise.all(
    list.map(async (node: NodeRef, index) => {
      const seen = await withTimeout(
        `replica:${node.id}`,
        ctx.config.replica_timeout_ms,
        nodeStub(ctx.env.PREFERENCE_NODE, node).inspect(customerId),
      ).catch(() => ({ version: null, hinted: [] }));
      return {
        id: node.id,
        role: index < ctx.config.n ? ('primary' as const) : ('fallback' as const),
        up: !(await isDown(node)),
        ...seen,
      };
    }),
  );
  const { n, w, r } = ctx.config;
  return { region: home, n, w, r, replicas };
}

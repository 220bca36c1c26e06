/** Fixtures for the preferences tests: the service, a customer's nodes, and node faults. */
import { env, exports } from 'cloudflare:workers';
import type { ConsistencyLevel, PreferencesView } from '@common/contracts/preferences';
import { newId } from '@common/ids';
import type { Result } from '@common/problem';
import type { Region } from '@common/regions';
import { workerFaultRules } from '@common/resilience';
import type PreferencesService from '../src/index';
import { preferenceList } from '../src/ring';

/** The worker under test, typed as its entrypoint. */
export const preferences = exports.default as unknown as Service<typeof PreferencesService>;

export const NODES = 5;

export function customerIn(region: Region = 'us') {
  const customerId = newId('cus');
  const list = preferenceList(region, customerId, NODES).map((n) => n.id);
  return { customerId, region, primaries: list.slice(0, 3), fallbacks: list.slice(3) };
}

export type Customer = ReturnType<typeof customerIn>;

export interface NodeFault {
  node: string;
  kind: 'error' | 'drop' | 'latency';
  latencyMs?: number;
}

/** Replaces the operator's rules with `faults` and makes this isolate obey them now. */
export async function setNodeFaults(faults: NodeFault[]): Promise<void> {
  await env.FAULT_REGISTRY.getByName('global').replace(
    faults.map((f) => ({
      target: `replica:${f.node}`,
      kind: f.kind,
      rate: 1,
      ...(f.kind === 'latency' ? { latencyMs: f.latencyMs ?? 300 } : {}),
    })),
  );
  await workerFaultRules()?.refresh();
}

export async function put(
  c: Customer,
  value: Record<string, unknown>,
  level: ConsistencyLevel = 'quorum',
): Promise<Result<PreferencesView>> {
  // Typed here: RPC erases the type of a record of unknown values.
  const result: Result<PreferencesView> = await preferences.putPreferences(
    c.customerId,
    c.region,
    level,
    value,
  );
  return result;
}

export async function get(
  c: Customer,
  level: ConsistencyLevel = 'quorum',
): Promise<Result<PreferencesView>> {
  const result: Result<PreferencesView> = await preferences.getPreferences(
    c.customerId,
    c.region,
    level,
  );
  return result;
}

export async function okView(result: Promise<Result<PreferencesView>>): Promise<PreferencesView> {
  const settled = await result;
  if (!settled.ok) throw new Error(`expected success, got ${settled.problem.code}`);
  return settled.value;
}

export async function replicasOf(c: Customer) {
  const result = await preferences.replicas(c.customerId, c.region);
  if (!result.ok) throw new Error(result.problem.code);
  return result.value;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

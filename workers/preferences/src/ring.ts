/**
 * The preference list of a customer: the storage nodes of their home region
 * in ring order from their id. The first N hold their preferences; the rest
 * are fallbacks that hold a hint while one of those is down.
 */
import { HashRing } from '@common/hashring';
import { type Region, regionalStub } from '@common/regions';

export interface NodeRef {
  /** `<region>-n<index>`, as the replicas view and the `replica:<id>` fault target name it. */
  id: string;
  region: Region;
}

const rings = new Map<string, HashRing>();

export const nodeIds = (region: Region, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${region}-n${i}`);

export function preferenceList(region: Region, customerId: string, nodes: number): NodeRef[] {
  const key = `${region}/${nodes}`;
  let ring = rings.get(key);
  if (!ring) {
    ring = new HashRing(nodeIds(region, nodes), { vnodes: 64 });
    rings.set(key, ring);
  }
  return ring.walk(customerId).map((id) => ({ id, region }));
}

export function nodeStub<T extends Rpc.DurableObjectBranded | undefined>(
  namespace: DurableObjectNamespace<T>,
  node: NodeRef,
): DurableObjectStub<T> {
  return regionalStub(namespace, node.region, `preferences:${node.id}`);
}

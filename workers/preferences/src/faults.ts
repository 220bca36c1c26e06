/**
 * Calls to storage nodes, where the operator's `replica:<node id>` fault
 * rules take a node down: `error` fails the call at once, `drop` leaves it
 * unanswered until the deadline, `latency` delays it. Every call has the
 * replica deadline, so a down or slow node costs a request at most that.
 */
import { createLogger, type Logger } from '@common/log';
import { injectFaults, withDeadline, workerFaultRules } from '@common/resilience';
import { type NodeRef, nodeStub } from './ring';

export const replicaTarget = (node: NodeRef) => `replica:${node.id}`;

const log: Logger = createLogger({ service: 'preferences' });

/** Runs `call` on `node` (of `namespace`) within `timeout_ms`, after the node's fault rules. */
export async function callNode<N extends Rpc.DurableObjectBranded | undefined, T>(
  namespace: DurableObjectNamespace<N>,
  node: NodeRef,
  timeout_ms: number,
  call: (stub: DurableObjectStub<N>) => Promise<T>,
): Promise<T> {
  const target = replicaTarget(node);
  const rules = (await workerFaultRules()?.forTarget(target)) ?? [];
  return withDeadline(target, timeout_ms, undefined, async (signal) => {
    if (rules.length > 0)
      await injectFaults(target, rules, { signal, log, drop_ms_max: timeout_ms });
    return call(nodeStub(namespace, node));
  });
}

/** Whether an operator rule takes `node` down now (for the replicas view and a node's own alarm). */
export async function isDown(node: NodeRef): Promise<boolean> {
  const rules = (await workerFaultRules()?.forTarget(replicaTarget(node))) ?? [];
  return rules.some((rule) => rule.kind !== 'latency' && rule.rate >= 1);
}

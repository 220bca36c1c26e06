/**
 * Fault injection for queue consumers (target `queue:<queue name>`): latency
 * delays the handler; `error` and `drop` fail the delivery before the handler
 * runs, so the message takes the ordinary retry path and, after the queue's
 * `max_retries`, the dead-letter queue — exactly what a failing consumer does.
 */
import type { Logger } from '../log';
import { type FaultKind, injectFaults, queueTarget } from './faults';
import { workerFaultRules } from './registry';

const injected = new Map<string, number>();

/** Faults injected into consumers in this isolate, by `target kind`. */
export function consumerFaultCounts(): ReadonlyMap<string, number> {
  return injected;
}

function count(target: string, kind: FaultKind): void {
  const key = `${target} ${kind}`;
  injected.set(key, (injected.get(key) ?? 0) + 1);
}

/** Applies the live rules for `queue` to one delivery; throws when a rule fails it. */
export async function injectConsumerFault(queue: string, log: Logger): Promise<void> {
  const faults = workerFaultRules();
  if (!faults) return;
  const target = queueTarget(queue);
  const rules = await faults.forTarget(target);
  if (rules.length === 0) return;
  await injectFaults(target, rules, { log, onFault: count, drop_ms_max: 0 });
}

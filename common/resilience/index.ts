/**
 * The upstream-call layer shared by the gateway and the services: policies
 * (timeout, bulkhead, circuit breaker, retry, fault injection), their
 * composition per upstream, and how their refusals are answered.
 */
export { type BreakerState, CircuitBreaker } from './breaker';
export { Bulkhead } from './bulkhead';
export { classifyOutcome, isCallerError, verdictForStatus } from './classify';
export { type Clock, sleep, systemClock } from './clock';
export {
  DEFAULT_UPSTREAM_CONFIG,
  numberVar,
  type UpstreamConfig,
  upstreamConfigFromVars,
} from './config';
export {
  BulkheadRejectedError,
  CircuitOpenError,
  InjectedFaultError,
  ResilienceError,
  TimeoutError,
} from './errors';
export {
  FAULT_KINDS,
  FAULT_LIMITS,
  type FaultKind,
  type FaultRuleSet,
  FaultRuleSetSchema,
  FaultRules,
  injectFaults,
  QUEUE_TARGET,
  queueTarget,
  type StoredFaultRule,
} from './faults';
export { type CallContext, compose, type Policy } from './policy';
export { unavailableProblem } from './problems';
export {
  FAULT_REGISTRY_BINDING,
  FAULT_REGISTRY_INSTANCE,
  FAULT_RULES_URL,
  registryLoader,
  workerFaultRules,
} from './registry';
export { backoffDelay, RetryPolicy } from './retry';
export { RetryBudget } from './retry-budget';
export { StaleCopies, type StaleEntry } from './stale';
export { TimeoutPolicy, withDeadline, withTimeout } from './timeout';
export {
  type CallOptions,
  type CallOutcome,
  type UpstreamObserver,
  type UpstreamStatus,
  Upstreams,
} from './upstream';

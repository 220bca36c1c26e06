/**
 * The saga's fast path (DESIGN §5): a command, once committed to the outbox
 * (held there, so no relay sends it meanwhile), is sent to its owner directly
 * over RPC in the saga's region: the inventory or payments service's
 * `runCommand`, the same idempotent entry its queue consumer uses. The reply
 * comes back as the call's value and the saga applies it once (inbox) in its
 * next transaction, which also settles the outbox row. When the call fails,
 * times out (`SAGA_FAST_PATH_TIMEOUT_MS`) or its breaker is open, the row is
 * released and goes over its queue exactly as without the fast path.
 *
 * Which path a command takes is the effect runner's choice; the machine
 * (machine.ts) decides the same effects either way.
 */
import type { CommandResult } from '@common/commands';
import { INVENTORY_COMMANDS_QUEUE, PAYMENTS_COMMANDS_QUEUE } from '@common/contracts/orders';
import type { Envelope } from '@common/envelope';
import {
  Upstreams,
  upstreamConfigFromVars,
  withTimeout,
  workerFaultRules,
} from '@common/resilience';
import { numberVar } from '@common/resilience/config';

export interface FastPathSettings {
  /** `SAGA_FAST_PATH = "on"`; anything else sends every command over its queue. */
  enabled: boolean;
  /** Deadline of one direct call, waiting for the bulkhead included. */
  timeout_ms: number;
  /** How long the outbox keeps a row from the relay while its direct call runs. */
  hold_ms: number;
}

export function fastPathSettings(env: OrdersEnv): FastPathSettings {
  const timeout_ms = numberVar(env.SAGA_FAST_PATH_TIMEOUT_MS, 1000, { min: 1, max: 10_000 });
  // Twice the deadline: the call is abandoned well before the relay may take the row.
  return { enabled: env.SAGA_FAST_PATH === 'on', timeout_ms, hold_ms: 2 * timeout_ms };
}

/** The services that answer commands directly, by the outbox destination of their commands. */
const UPSTREAM_OF: Readonly<Record<string, 'inventory' | 'payments'>> = {
  [INVENTORY_COMMANDS_QUEUE]: 'inventory',
  [PAYMENTS_COMMANDS_QUEUE]: 'payments',
};

/** Whether commands to `destination` can take the fast path. */
export const isDirect = (destination: string): boolean => destination in UPSTREAM_OF;

/** Runs one command at its owner and returns its reply; throws when there is none. */
export type DirectCall = (
  destination: string,
  command: Envelope,
) => Promise<Envelope<CommandResult>>;

/**
 * The direct calls of this isolate share one upstream layer: a breaker per
 * service learns within a few calls that it is failing, and from then on
 * commands go straight to the queue until it recovers.
 */
let shared: Upstreams | undefined;

function sharedUpstreams(vars: object, timeout_ms: number): Upstreams {
  shared ??= new Upstreams(
    { ...upstreamConfigFromVars(vars), timeout_ms },
    { faults: workerFaultRules() ?? undefined },
  );
  return shared;
}

/**
 * Calls through `upstreams` (timeout, bulkhead, breaker, operator faults on
 * the targets `inventory` and `payments`), never retried: the queue retries.
 */
export function directCaller(
  env: Pick<OrdersEnv, 'INVENTORY' | 'PAYMENTS'>,
  { timeout_ms }: Pick<FastPathSettings, 'timeout_ms'>,
  upstreams?: Upstreams,
): DirectCall {
  return async (destination, command) => {
    const upstream = UPSTREAM_OF[destination];
    if (!upstream) throw new Error(`commands to ${destination} have no direct path`);
    const layer = upstreams ?? sharedUpstreams(env, timeout_ms);
    const run = () =>
      upstream === 'inventory'
        ? env.INVENTORY.runCommand(command)
        : env.PAYMENTS.runCommand(command);
    const reply = layer.call(upstream, run, { timeout_ms });
    // The whole call, a wait for the bulkhead included, ends by the deadline.
    return (await withTimeout(
      `fast path to ${upstream}`,
      timeout_ms,
      reply,
    )) as Envelope<CommandResult>;
  };
}

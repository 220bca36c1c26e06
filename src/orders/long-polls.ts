/**
 * Order long-polls in flight in this isolate. A long-poll waits at the saga
 * without holding a slot of the orders bulkhead (a wait is not work), so
 * this is what bounds it: at most `per_principal_max` waits for one
 * principal, `isolate_max` in all. Per isolate, like every bulkhead: one
 * client's waits cannot take the slots other customers' calls need.
 */

import { numberVar } from '@common/resilience';

export interface LongPollLimits {
  per_principal_max: number;
  isolate_max: number;
}

export type LongPollSlot =
  | { ok: true; release: () => void }
  | { ok: false; reason: 'principal_limit' | 'isolate_limit' };

export function longPollLimits(env: GatewayEnv): LongPollLimits {
  return {
    per_principal_max: Math.floor(numberVar(env.LONG_POLL_PER_PRINCIPAL_MAX, 5, { min: 1 })),
    isolate_max: Math.floor(numberVar(env.LONG_POLL_ISOLATE_MAX, 1000, { min: 1 })),
  };
}

export class LongPolls {
  readonly #byPrincipal = new Map<string, number>();
  #total = 0;

  constructor(private readonly limits: LongPollLimits) {}

  get total(): number {
    return this.#total;
  }

  /** A slot for one wait of `principal`; release it when the wait ends (once is enough). */
  acquire(principal: string): LongPollSlot {
    const held = this.#byPrincipal.get(principal) ?? 0;
    if (held >= this.limits.per_principal_max) return { ok: false, reason: 'principal_limit' };
    if (this.#total >= this.limits.isolate_max) return { ok: false, reason: 'isolate_limit' };
    this.#byPrincipal.set(principal, held + 1);
    this.#total++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.#total--;
        const left = (this.#byPrincipal.get(principal) ?? 1) - 1;
        if (left > 0) this.#byPrincipal.set(principal, left);
        else this.#byPrincipal.delete(principal);
      },
    };
  }
}

let shared: LongPolls | undefined;

/** This isolate's long-polls, limited by the gateway's vars on first use. */
export function isolateLongPolls(env: GatewayEnv): LongPolls {
  shared ??= new LongPolls(longPollLimits(env));
  return shared;
}

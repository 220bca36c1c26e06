/**
 * Runtime fault injection. Operators store rules (in the gateway's
 * FaultRegistry Durable Object); every isolate reads them through a short
 * cache, so a change takes effect within `cache_ms` everywhere, and each rule
 * carries its own expiry, so a forgotten rule stops on its own. Injection
 * sits where the upstream call would happen: to the timeout, breaker and
 * retry an injected fault looks exactly like the upstream misbehaving.
 */
import { z } from 'zod';
import type { Logger } from '../log';
import { errorMessage } from '../log';
import { type Clock, systemClock } from './clock';
import { InjectedFaultError } from './errors';
import type { CallContext, Operation, Policy } from './policy';
import { withTimeout } from './timeout';

export const FAULT_KINDS = ['latency', 'error', 'drop'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** Queue consumers are targeted as `queue:<queue name>`. */
export const QUEUE_TARGET = /^queue:[a-z0-9][a-z0-9-]{0,62}$/;
export const queueTarget = (queue: string) => `queue:${queue}`;

export const FAULT_LIMITS = {
  rules_max: 50,
  latency_ms_max: 60_000,
  ttl_s_default: 600,
  ttl_s_max: 3600,
} as const;

/** A rule as stored and served by the registry (epoch ms inside). */
export const StoredFaultRuleSchema = z.object({
  target: z.string(),
  kind: z.enum(FAULT_KINDS),
  rate: z.number().min(0).max(1),
  latencyMs: z.number().int().positive().optional(),
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type StoredFaultRule = z.infer<typeof StoredFaultRuleSchema>;

export const FaultRuleSetSchema = z.object({
  rules: z.array(StoredFaultRuleSchema),
  version: z.number().int(),
});
export type FaultRuleSet = z.infer<typeof FaultRuleSetSchema>;

export interface FaultRulesOptions {
  /** How long an isolate trusts its copy before reading the registry again. */
  cache_ms: number;
  /** A slow registry must not slow every call: give up and keep the last copy. */
  load_timeout_ms?: number;
  clock?: Clock;
  log?: Logger;
}

/** The rules as this isolate knows them: a cached copy of the registry. */
export class FaultRules {
  #rules: StoredFaultRule[] = [];
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #loading: { done: Promise<void>; startedAt: number } | undefined;
  readonly #clock: Clock;

  constructor(
    private readonly load: () => Promise<unknown>,
    private readonly options: FaultRulesOptions,
  ) {
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Live rules for `target`. When the copy is stale the caller reads the
   * registry itself; while another request's read is in flight it uses the
   * current copy rather than wait on that request's I/O (Workers cancels a
   * request that waits only on another request's work as hung).
   */
  async forTarget(target: string): Promise<StoredFaultRule[]> {
    const now = this.#clock.now();
    const stale = now - this.#fetchedAt >= this.options.cache_ms;
    if (stale && !this.#readInFlight(now)) await this.refresh();
    const at = this.#clock.now();
    return this.#rules.filter((rule) => rule.target === target && rule.expiresAt > at);
  }

  /** Reads the registry now. */
  refresh(): Promise<void> {
    const loading = {
      startedAt: this.#clock.now(),
      done: this.#load().finally(() => {
        if (this.#loading === loading) this.#loading = undefined;
      }),
    };
    this.#loading = loading;
    return loading.done;
  }

  /** A read started by another request; one that outlived its timeout was abandoned (its request was cancelled). */
  #readInFlight(now: number): boolean {
    const timeout_ms = this.options.load_timeout_ms ?? 500;
    return this.#loading !== undefined && now - this.#loading.startedAt < timeout_ms * 2;
  }

  /** Adopts a set this isolate just wrote, so its own next call already obeys it. */
  adopt(set: FaultRuleSet): void {
    this.#rules = set.rules;
    this.#fetchedAt = this.#clock.now();
  }

  async #load(): Promise<void> {
    try {
      const raw = await withTimeout(
        'fault-registry',
        this.options.load_timeout_ms ?? 500,
        this.load(),
      );
      this.adopt(FaultRuleSetSchema.parse(raw));
    } catch (error) {
      // Fail open: a broken registry must never break traffic. Known rules
      // still expire on their own; try again after the cache interval.
      this.#fetchedAt = this.#clock.now();
      this.options.log?.warn('faults.load_failed', { error: errorMessage(error) });
    }
  }
}

export interface InjectOptions {
  clock?: Clock;
  random?: () => number;
  log?: Logger;
  signal?: AbortSignal;
  onFault?: (target: string, kind: FaultKind) => void;
  /** A dropped call with no deadline still ends, after this long. */
  drop_ms_max?: number;
}

/**
 * Applies the rules that fire (each with probability `rate`): latency first,
 * then an error or a drop (no answer until the caller's deadline).
 */
export async function injectFaults(
  target: string,
  rules: readonly StoredFaultRule[],
  {
    clock = systemClock,
    random = Math.random,
    log,
    signal,
    onFault,
    drop_ms_max = 60_000,
  }: InjectOptions,
): Promise<void> {
  const ordered = [...rules].sort(
    (a, b) => Number(b.kind === 'latency') - Number(a.kind === 'latency'),
  );
  for (const rule of ordered) {
    if (random() >= rule.rate) continue;
    onFault?.(target, rule.kind);
    log?.warn('fault.injected', {
      target,
      kind: rule.kind,
      rate: rule.rate,
      latencyMs: rule.latencyMs,
    });
    if (rule.kind === 'latency') {
      await clock.sleep(rule.latencyMs ?? 0, signal);
      continue;
    }
    if (rule.kind === 'drop') {
      // No answer: the caller's deadline (which aborts the sleep) ends it.
      await clock.sleep(drop_ms_max, signal);
    }
    throw new InjectedFaultError(target, rule.kind);
  }
}

export interface FaultInjectionOptions extends Omit<InjectOptions, 'signal' | 'log'> {}

/** The innermost policy: stands in for a misbehaving upstream when a rule fires. */
export class FaultInjectionPolicy implements Policy {
  constructor(
    private readonly rules: FaultRules,
    private readonly options: FaultInjectionOptions = {},
  ) {}

  async execute<T>(ctx: CallContext, op: Operation<T>): Promise<T> {
    const rules = await this.rules.forTarget(ctx.upstream);
    if (rules.length > 0) {
      await injectFaults(ctx.upstream, rules, {
        ...this.options,
        signal: ctx.signal,
        log: ctx.log,
      });
    }
    return op(ctx);
  }
}

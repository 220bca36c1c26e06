/**
 * Runtime fault injection. Operators store rules (in the gateway's
 * FaultRegistry Durable Object); every isolate reads them through a short
 * cache, so a change takes effect within `cache_ms` everywhere, and each rule
 * carries its own expiry, so a forgotten rule stops on its own. Injection
 * sits where the upstream call would happen: to the timeout, breaker and
 * retry an injected fault looks exactly like the upstream misbehaving.
 */
import { z } from 'zod';
import { DocumentCache } from '../config-document';
import type { Logger } from '../log';
import { type Clock, systemClock } from './clock';
import { InjectedFaultError } from './errors';
import type { CallContext, Operation, Policy } from './policy';

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
  readonly #doc: DocumentCache<FaultRuleSet>;
  readonly #clock: Clock;

  constructor(load: () => Promise<unknown>, options: FaultRulesOptions) {
    this.#clock = options.clock ?? systemClock;
    // Fail open: a broken registry must never break traffic. Known rules
    // still expire on their own (the filter below).
    this.#doc = new DocumentCache({
      name: 'faults',
      load,
      parse: (raw) => FaultRuleSetSchema.parse(raw),
      initial: { version: 0, rules: [] },
      ...options,
    });
  }

  /** Live rules for `target`, from a copy at most `cache_ms` old (see DocumentCache.get). */
  async forTarget(target: string): Promise<StoredFaultRule[]> {
    const { rules } = await this.#doc.get();
    const at = this.#clock.now();
    return rules.filter((rule) => rule.target === target && rule.expiresAt > at);
  }

  /** Reads the registry now. */
  refresh(): Promise<void> {
    return this.#doc.refresh();
  }

  /** Adopts a set this isolate just wrote, so its own next call already obeys it. */
  adopt(set: FaultRuleSet): void {
    this.#doc.adopt(set);
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

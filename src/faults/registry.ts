/**
 * The fault registry: one Durable Object instance (`global`) holds the
 * operator's fault-injection rules. Writes come from the admin API over RPC;
 * every worker's isolates read `GET /rules` through a short cache. Each rule
 * carries `expiresAt`: readers ignore expired rules at once, and an alarm
 * deletes them from storage, so a forgotten rule cannot outlive its TTL.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import { serveDocument } from '@common/config-document';
import {
  FAULT_LIMITS,
  FAULT_RULES_URL,
  type FaultKind,
  type FaultRuleSet,
  type StoredFaultRule,
} from '@common/resilience';

/** A rule as the admin API accepts it (validated there). */
export interface FaultRuleInput {
  target: string;
  kind: FaultKind;
  rate: number;
  latencyMs?: number;
  ttlSeconds?: number;
}

const KEY = 'rules';

export class FaultRegistry extends DurableObject<GatewayEnv> {
  /** The live rules (expired ones filtered out). */
  async list(now = Date.now()): Promise<FaultRuleSet> {
    const stored = await this.#read();
    return { version: stored.version, rules: stored.rules.filter((r) => r.expiresAt > now) };
  }

  /** Replaces every rule; each expires after its TTL (default 10 min, at most 1 h). */
  async replace(rules: readonly FaultRuleInput[], now = Date.now()): Promise<FaultRuleSet> {
    const stored = rules.map((rule): StoredFaultRule => {
      const ttl_s = Math.min(rule.ttlSeconds ?? FAULT_LIMITS.ttl_s_default, FAULT_LIMITS.ttl_s_max);
      return {
        target: rule.target,
        kind: rule.kind,
        rate: rule.rate,
        ...(rule.kind === 'latency' ? { latencyMs: rule.latencyMs } : {}),
        createdAt: now,
        expiresAt: now + ttl_s * 1000,
      };
    });
    return this.#write(stored, now);
  }

  /** Removes the rules of `target`, or all of them. */
  async clear(target?: string, now = Date.now()): Promise<FaultRuleSet> {
    const { rules } = await this.list(now);
    return this.#write(target === undefined ? [] : rules.filter((r) => r.target !== target), now);
  }

  /** Read-only view for workers that bind this class from another script. */
  override fetch(request: Request): Promise<Response> {
    return serveDocument(request, FAULT_RULES_URL, () => this.list());
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    const { rules } = await this.#read();
    const live = rules.filter((r) => r.expiresAt > now);
    if (live.length !== rules.length) await this.#write(live, now);
    else await this.#scheduleExpiry(live);
  }

  async #read(): Promise<FaultRuleSet> {
    return (await this.ctx.storage.get<FaultRuleSet>(KEY)) ?? { version: 0, rules: [] };
  }

  async #write(rules: StoredFaultRule[], now: number): Promise<FaultRuleSet> {
    const { version } = await this.#read();
    const next: FaultRuleSet = {
      version: version + 1,
      rules: rules.filter((r) => r.expiresAt > now),
    };
    await this.ctx.storage.put(KEY, next);
    await this.#scheduleExpiry(next.rules);
    return next;
  }

  async #scheduleExpiry(rules: readonly StoredFaultRule[]): Promise<void> {
    if (rules.length === 0) return;
    await scheduleAlarmBy(this.ctx.storage, Math.min(...rules.map((r) => r.expiresAt)));
  }
}

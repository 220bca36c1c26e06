/**
 * "Is anything failing, where, since when": the overview's findings, from
 * readiness, breakers, the metrics scrape, dead letters, open sagas and
 * fault rules. Where the data says since when (the oldest dead letter, a
 * rule's creation, a saga's age) that is shown; otherwise the console says
 * since when it has seen the problem itself (first seen in this session).
 */
import type { Ctx } from '../context';
import type { Tone } from '../dom';
import { clock, duration, relative } from '../format';
import { maxBy, totalBy } from '../prometheus';
import type { Telemetry } from '../telemetry';

/** What the overview read this round (each part absent when its read failed). */
interface Ready {
  status: string;
  services: Record<
    string,
    { status: 'ok' | 'degraded' | 'down'; latencyMs: number; detail?: string; breaker: string }
  >;
}

interface DeadLetter {
  region: string;
  receivedAt: string;
  replayedAt: string | null;
  queue: string;
}

interface RegionOutcome {
  status: string;
  detail?: string;
}

export interface Snapshot {
  ready?: Ready;
  letters?: { items: DeadLetter[]; regions: Record<string, RegionOutcome> };
  faults?: {
    rules: Array<{
      target: string;
      kind: string;
      rate: number;
      createdAt: string;
      expiresAt: string;
    }>;
  };
  analytics?: {
    regions: Record<string, { orders: number; revenue: { amount: number; currency: string } }>;
  };
  errors: string[];
}

export interface Finding {
  tone: Tone;
  where: string;
  what: string;
  since: string;
  href?: string;
  action?: string;
}

/** An open saga older than this is worth a look (steps have deadlines well below it). */
const SAGA_STUCK_S = 60;

/** First time the console saw each problem, by key; forgotten once it is gone. */
const firstSeen = new Map<string, number>();

function observed(key: string, now: number): string {
  const at = firstSeen.get(key) ?? now;
  firstSeen.set(key, at);
  return `seen since ${clock(at)}`;
}

type Seen = (key: string) => string;

function serviceFindings(snap: Snapshot, telemetry: Telemetry, seen: Seen): Finding[] {
  const list: Finding[] = [];
  for (const [name, s] of Object.entries(snap.ready?.services ?? {})) {
    if (s.status !== 'ok') {
      const what = `${s.status}${s.detail ? `: ${s.detail}` : ''}`;
      list.push({
        tone: s.status === 'down' ? 'bad' : 'warn',
        where: name,
        what,
        since: seen(`health:${name}`),
      });
    }
    if (s.breaker !== 'closed') {
      const tone = s.breaker === 'open' ? 'bad' : 'warn';
      list.push({
        tone,
        where: name,
        what: `circuit breaker ${s.breaker}`,
        since: seen(`breaker:${name}`),
      });
    }
  }
  for (const [service, up] of totalBy(telemetry.latest, 'meridian_scrape_up', 'service')) {
    if (up === 0) {
      const what = 'did not answer the metrics scrape';
      list.push({ tone: 'bad', where: service, what, since: seen(`scrape:${service}`) });
    }
  }
  const point = telemetry.points.at(-1);
  if (point && point.errorsPerS > 0) {
    const what = `${point.errorsPerS.toFixed(2)} responses 5xx per second`;
    list.push({ tone: 'warn', where: 'gateway', what, since: seen('5xx') });
  }
  for (const [name, u] of Object.entries(point?.upstream ?? {})) {
    if (u.failuresPerS > 0) {
      const what = `${u.failuresPerS.toFixed(2)} failed calls per second`;
      list.push({ tone: 'warn', where: name, what, since: seen(`calls:${name}`) });
    }
  }
  return list;
}

function regionFindings(
  ctx: Ctx,
  snap: Snapshot,
  telemetry: Telemetry,
  seen: Seen,
  now: number,
): Finding[] {
  const list: Finding[] = [];
  for (const region of ctx.config.regions) {
    const leg = snap.letters?.regions[region];
    if (leg && leg.status !== 'ok') {
      const what = `admin reads ${leg.status}${leg.detail ? `: ${leg.detail}` : ''}`;
      list.push({ tone: 'bad', where: `region ${region}`, what, since: seen(`leg:${region}`) });
    }
    const letters = snap.letters?.items.filter((l) => l.region === region) ?? [];
    const oldest = letters.map((l) => l.receivedAt).sort()[0];
    if (oldest) {
      const queues = [...new Set(letters.map((l) => l.queue))].join(', ');
      list.push({
        tone: 'bad',
        where: `region ${region}`,
        what: `${letters.length} dead letter${letters.length === 1 ? '' : 's'} not replayed (${queues})`,
        since: `since ${clock(oldest)} (${relative(oldest, now)})`,
        href: '#/dead-letters',
        action: 'Replay',
      });
    }
  }
  for (const [region, age_s] of maxBy(
    telemetry.latest,
    'meridian_sagas_open_oldest_age_seconds',
    'region',
  )) {
    if (age_s > SAGA_STUCK_S) {
      list.push({
        tone: 'warn',
        where: `region ${region}`,
        what: `an order saga has been open ${duration(age_s * 1000)}`,
        since: `since ${clock(now - age_s * 1000)}`,
        href: '#/orders',
        action: 'Orders',
      });
    }
  }
  return list;
}

const faultFindings = (snap: Snapshot, now: number): Finding[] =>
  (snap.faults?.rules ?? []).map((rule) => ({
    tone: 'info',
    where: rule.target,
    what: `fault injected: ${rule.kind} at ${Math.round(rule.rate * 100)} %, expires ${relative(rule.expiresAt, now)}`,
    since: `since ${clock(rule.createdAt)}`,
    href: '#/faults',
    action: 'Faults',
  }));

const ORDER: Record<string, number> = { bad: 0, warn: 1, info: 2 };

export function findings(ctx: Ctx, snap: Snapshot, telemetry: Telemetry): Finding[] {
  const now = Date.now();
  const active = new Set<string>();
  const seen: Seen = (key) => {
    active.add(key);
    return observed(key, now);
  };
  const list = [
    ...serviceFindings(snap, telemetry, seen),
    ...regionFindings(ctx, snap, telemetry, seen, now),
    ...faultFindings(snap, now),
  ];
  for (const key of firstSeen.keys()) if (!active.has(key)) firstSeen.delete(key);
  return list.sort((a, b) => (ORDER[a.tone] ?? 3) - (ORDER[b.tone] ?? 3));
}

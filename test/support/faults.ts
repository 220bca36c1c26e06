/**
 * Helpers for the resilience tests: drive the gateway as an operator would
 * (admin API over HTTP, /metrics) and read its per-isolate metrics.
 */
import { env, exports } from 'cloudflare:workers';
import { expect } from 'vitest';

export const gateway = exports.default;
export const BASE = 'http://meridian.test';
export const ADMIN = { 'x-api-key': env.ADMIN_API_KEY, 'content-type': 'application/json' };

export interface RuleInput {
  target: string;
  kind: 'latency' | 'error' | 'drop';
  rate: number;
  latencyMs?: number;
  ttlSeconds?: number;
}

export function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return gateway.fetch(`${BASE}${path}`, { headers });
}

export async function putFaults(rules: RuleInput[]): Promise<void> {
  const res = await gateway.fetch(`${BASE}/v1/admin/faults`, {
    method: 'PUT',
    headers: ADMIN,
    body: JSON.stringify({ rules }),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

/**
 * Puts rules and waits until every worker's isolate sees them: the services
 * re-read the registry after their cache (FAULTS_CACHE_MS, 200 ms in tests),
 * only the gateway adopts its own write at once. For rules that services
 * apply: queue consumers, and the order saga's direct calls (`payments`,
 * `inventory`).
 */
export async function putFaultsEverywhere(rules: RuleInput[]): Promise<void> {
  await putFaults(rules);
  await new Promise((resolve) => setTimeout(resolve, 500));
}

/**
 * Holds every order's stock reservation back while the rules last: the
 * saga's direct call to inventory fails (so it falls back to the queue) and
 * so does every delivery of the inventory commands queue. An order placed
 * meanwhile stays PENDING.
 */
export async function holdReservations(ttl: { ttlSeconds?: number } = {}): Promise<void> {
  await putFaultsEverywhere([
    { target: 'inventory', kind: 'error', rate: 1, ...ttl },
    { target: 'queue:meridian-inventory-commands', kind: 'error', rate: 1, ...ttl },
  ]);
}

export async function clearFaults(): Promise<void> {
  const res = await gateway.fetch(`${BASE}/v1/admin/faults`, { method: 'DELETE', headers: ADMIN });
  expect(res.status).toBe(200);
}

/**
 * The value of one of the gateway's series in /metrics (0 when the series
 * does not exist yet). Only the gateway's: asking every service would make
 * each read take long enough to move the breaker tests' clocks.
 */
export async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const res = await get('/metrics?service=gateway', ADMIN);
  expect(res.status).toBe(200);
  const text = await res.text();
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (wanted.every((pair) => line.includes(pair))) return Number(line.split(' ').at(-1));
  }
  return 0;
}

export const faultsInjected = (target: string, kind: string) =>
  metric('meridian_faults_injected_total', { target, kind });

export async function problemCode(res: Response): Promise<string> {
  const body = (await res.json()) as { type: string };
  return body.type.split('/').at(-1) ?? '';
}

export async function breakerOf(service: string): Promise<string> {
  const res = await get('/health/ready');
  const body = (await res.json()) as { services: Record<string, { breaker: string }> };
  return body.services[service]?.breaker ?? 'missing';
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

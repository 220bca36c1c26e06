/**
 * The operator's fault API: admin only, strict validation (400 with field
 * errors), rules visible to GET, cleared by DELETE, and gone after their TTL
 * — from reads at once and from storage by the registry's alarm.
 */
import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { FAULT_REGISTRY_INSTANCE, type FaultRuleSet } from '@common/resilience';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ADMIN,
  BASE,
  clearFaults,
  gateway,
  get,
  pause,
  putFaults,
  type RuleInput,
} from '../../test/support/faults';
import { resetUpstreams } from '../upstream/upstream';

const put = (body: unknown, headers: Record<string, string> = ADMIN) =>
  gateway.fetch(`${BASE}/v1/admin/faults`, {
    method: 'PUT',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

interface RulesBody {
  rules: Array<RuleInput & { createdAt: string; expiresAt: string }>;
}

beforeEach(async () => {
  await clearFaults();
  resetUpstreams();
});

describe('fault admin API', () => {
  it('needs an operator: 401 without or with a wrong API key', async () => {
    expect((await get('/v1/admin/faults')).status).toBe(401);
    expect((await get('/v1/admin/faults', { 'x-api-key': 'wrong' })).status).toBe(401);
    const res = await put({ rules: [] }, { 'content-type': 'application/json' });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
  });

  it('PUT replaces the rules, GET shows them with their expiry, DELETE clears them', async () => {
    const started = Date.now();
    const res = await put({
      rules: [
        { target: 'catalog', kind: 'latency', rate: 0.5, latencyMs: 200 },
        { target: 'queue:meridian-inventory-events', kind: 'error', rate: 1, ttlSeconds: 60 },
      ],
    });
    expect(res.status).toBe(200);
    const listed = (await (await get('/v1/admin/faults', ADMIN)).json()) as RulesBody;
    expect(listed.rules).toHaveLength(2);
    const [latency, consumer] = listed.rules;
    expect(latency).toMatchObject({
      target: 'catalog',
      kind: 'latency',
      rate: 0.5,
      latencyMs: 200,
    });
    // Default TTL: 10 minutes.
    const ttl = Date.parse(latency?.expiresAt ?? '') - started;
    expect(ttl).toBeGreaterThan(599_000);
    expect(ttl).toBeLessThan(601_000);
    expect(Date.parse(consumer?.expiresAt ?? '') - started).toBeLessThan(61_000);

    const one = await gateway.fetch(`${BASE}/v1/admin/faults?target=catalog`, {
      method: 'DELETE',
      headers: ADMIN,
    });
    expect(((await one.json()) as RulesBody).rules.map((r) => r.target)).toEqual([
      'queue:meridian-inventory-events',
    ]);
    await clearFaults();
    expect(((await (await get('/v1/admin/faults', ADMIN)).json()) as RulesBody).rules).toEqual([]);
  });

  const bad: Array<[string, unknown]> = [
    ['an unknown kind', { rules: [{ target: 'catalog', kind: 'explode', rate: 1 }] }],
    ['a rate of 0', { rules: [{ target: 'catalog', kind: 'error', rate: 0 }] }],
    ['a rate above 1', { rules: [{ target: 'catalog', kind: 'error', rate: 1.5 }] }],
    ['latency without latencyMs', { rules: [{ target: 'catalog', kind: 'latency', rate: 1 }] }],
    [
      'latencyMs on an error rule',
      { rules: [{ target: 'catalog', kind: 'error', rate: 1, latencyMs: 5 }] },
    ],
    [
      'a misspelt field',
      { rules: [{ target: 'catalog', kind: 'latency', rate: 1, latency_ms: 5 }] },
    ],
    ['an unknown upstream', { rules: [{ target: 'billing', kind: 'error', rate: 1 }] }],
    ['a malformed queue target', { rules: [{ target: 'queue:', kind: 'error', rate: 1 }] }],
    [
      'a TTL above one hour',
      { rules: [{ target: 'catalog', kind: 'error', rate: 1, ttlSeconds: 7200 }] },
    ],
    [
      'two rules of one kind for a target',
      {
        rules: [
          { target: 'catalog', kind: 'error', rate: 1 },
          { target: 'catalog', kind: 'error', rate: 0.5 },
        ],
      },
    ],
    ['an extra top-level field', { rules: [], enabled: true }],
    ['rules that are not a list', { rules: { target: 'catalog' } }],
    ['a body that is not JSON', '{"rules": ['],
  ];

  it.each(bad)('refuses %s with 400 problem+json', async (_, body) => {
    const res = await put(body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await res.json()) as { status: number; errors?: unknown[] };
    expect(problem.status).toBe(400);
    expect(((await (await get('/v1/admin/faults', ADMIN)).json()) as RulesBody).rules).toEqual([]);
  });

  it('a rule expires after its TTL: calls recover and the alarm deletes it', async () => {
    await putFaults([{ target: 'inventory', kind: 'error', rate: 1, ttlSeconds: 1 }]);
    const failing = await get('/v1/inventory/MRD-TEE-001?region=us');
    expect(failing.status).toBe(503);
    await pause(1100);
    resetUpstreams(); // the breaker is not under test here
    expect(((await (await get('/v1/admin/faults', ADMIN)).json()) as RulesBody).rules).toEqual([]);
    expect((await get('/v1/inventory/MRD-TEE-001?region=us')).status).toBe(200);

    // Reads only filter; the registry's alarm (due at the expiry, run now if
    // it has not fired yet) is what deletes the rule from storage.
    const stub = env.FAULT_REGISTRY.getByName(FAULT_REGISTRY_INSTANCE);
    await runDurableObjectAlarm(stub);
    const stored = await runInDurableObject(stub, (_, state) =>
      state.storage.get<FaultRuleSet>('rules'),
    );
    expect(stored?.rules).toEqual([]);
  });

  it('other workers read the rules from the registry over fetch', async () => {
    await putFaults([{ target: 'queue:meridian-inventory-events', kind: 'drop', rate: 0.25 }]);
    const stub = env.FAULT_REGISTRY.getByName(FAULT_REGISTRY_INSTANCE);
    const res = await stub.fetch('https://fault-registry/rules');
    const set = (await res.json()) as FaultRuleSet;
    expect(set.rules).toMatchObject([
      { target: 'queue:meridian-inventory-events', kind: 'drop', rate: 0.25 },
    ]);
    expect((await stub.fetch('https://fault-registry/rules', { method: 'POST' })).status).toBe(404);
  });
});

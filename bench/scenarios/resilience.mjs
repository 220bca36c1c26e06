// Issue 4: the fail-fast path. An injected error (PUT /v1/admin/faults)
// opens the inventory breaker; the rule is then removed, so the upstream is
// healthy and only the open breaker answers. The bench runs the gateway with
// BREAKER_OPEN_MS long enough that it stays open: run this scenario last.
import { admin, httpOutcome, measure, request } from '../harness.mjs';

const STOCK = '/v1/inventory/MRD-TEE-001?region=us';
const OPEN = '503 upstream_circuit_open';

/** The outcome of a read, naming the problem when one answers. */
async function read(system) {
  const res = await request(system.gateway, STOCK);
  if (res.status < 400) return httpOutcome(res);
  // problem+json: the rule that refused is the last segment of `type`.
  const type = /"type":"[^"]*\/([a-z_]+)"/.exec(res.text);
  return `${res.status} ${type?.[1] ?? 'problem'}`;
}

/** Opens the inventory breaker with an injected error, then clears the rule. */
async function openInventoryBreaker(system) {
  await admin(system, 'PUT', '/v1/admin/faults', {
    rules: [{ target: 'inventory', kind: 'error', rate: 1, ttlSeconds: 60 }],
  });
  const deadline = Date.now() + 15_000;
  while ((await read(system)) !== OPEN) {
    if (Date.now() > deadline) throw new Error('the inventory breaker did not open in 15 s');
  }
  await admin(system, 'DELETE', '/v1/admin/faults');
  const outcome = await read(system);
  if (outcome !== OPEN) throw new Error(`breaker not open after clearing faults: ${outcome}`);
}

export async function breakerOpen(system, options) {
  await openInventoryBreaker(system);
  const result = await measure('inventory read, breaker open (fail fast)', () => read(system), {
    ...options,
    ok: (outcome) => outcome === OPEN,
  });
  return [{ ...result, against: 'inventory read (shard leader)' }];
}

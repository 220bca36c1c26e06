// inventory-read (the shard leader, against bare-do-read) and its fail-fast
// path: then an injected error (PUT /v1/admin/faults) opens the inventory
// breaker and the rule is removed, so the upstream is healthy and only the
// open breaker answers (inventory-breaker-open, against bare-route: no
// upstream call is left). The
// bench's BREAKER_OPEN_MS covers the measurement; afterwards the scenario
// waits for a half-open probe to close the breaker again.
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

/** Reads until `outcome` answers, for at most `timeout_ms`; resolves with the time it took. */
async function readUntil(system, outcome, timeout_ms, pause_ms = 0) {
  const started = Date.now();
  while ((await read(system)) !== outcome) {
    if (Date.now() - started > timeout_ms)
      throw new Error(`the inventory read did not answer ${outcome} within ${timeout_ms} ms`);
    if (pause_ms) await new Promise((resolve) => setTimeout(resolve, pause_ms));
  }
  return Date.now() - started;
}

/** Opens the inventory breaker with an injected error, then clears the rule. */
async function openInventoryBreaker(system) {
  await admin(system, 'PUT', '/v1/admin/faults', {
    rules: [{ target: 'inventory', kind: 'error', rate: 1, ttlSeconds: 60 }],
  });
  await readUntil(system, OPEN, 15_000);
  await admin(system, 'DELETE', '/v1/admin/faults');
  const outcome = await read(system);
  if (outcome !== OPEN) throw new Error(`breaker not open after clearing faults: ${outcome}`);
}

/** `breaker_open_ms` must be the gateway's BREAKER_OPEN_MS in this run. */
export async function breakerOpen(system, options, { breaker_open_ms }) {
  const healthy = await measure('inventory-read', () => read(system), options);
  await openInventoryBreaker(system);
  const open = await measure('inventory-breaker-open', () => read(system), {
    ...options,
    ok: (outcome) => outcome === OPEN,
  });
  const closed_after_ms = await readUntil(system, '200', breaker_open_ms + 10_000, 250);
  return [healthy, { ...open, vs_inventory_read: open.rate / healthy.rate, closed_after_ms }];
}

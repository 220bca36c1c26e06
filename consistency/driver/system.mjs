// The system under test and the client side of every history: the whole
// Meridian served by Miniflare through the bench harness (imported, not
// copied), a clock shared by every client, calls with a client-side deadline
// (a call past it is recorded as possibly applied: no return, output
// unknown, as Knossos does), the fault API, and a count of the faults the
// workers report injecting.
import { randomUUID } from 'node:crypto';
import {
  ADMIN_API_KEY,
  admin,
  benchVars,
  closeClient,
  registerCustomer,
  request,
  startSystem,
} from '../../bench/harness.mjs';

export { admin, closeClient, registerCustomer };

/** Client-side deadline of one call: well past the gateway's own upstream timeout (3 s). */
export const CALL_TIMEOUT_MS = 12_000;

const started = performance.now();
/** Milliseconds since the run began: the time of every invocation and response. */
export const now = () => performance.now() - started;
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Injected faults as the workers log them (`fault.injected`), by time. */
const faultTimes = [];

function countFault({ message }) {
  if (!message.includes('"fault.injected"')) return;
  faultTimes.push(now());
}

/** Faults injected between two instants of the run. */
export const faultsBetween = (from, to) => faultTimes.filter((t) => t >= from && t <= to).length;

/** Answers by status (`timeout` for none), over the whole run: a history reports its share. */
const answers = new Map();
const tally = (status) => answers.set(status, (answers.get(status) ?? 0) + 1);
export const answerCounts = () => new Map(answers);

/** Miniflare with every worker; the gateway's token buckets deep (one client IP sends everything). */
export async function start(port) {
  return startSystem({ port, vars: benchVars({ breaker_open_ms: 2000 }), onLog: countFault });
}

/**
 * One call through the gateway with a deadline. Resolves with the status,
 * headers, text and parsed JSON body, its invocation and response times;
 * `timedOut` (return Infinity) when no answer came in time.
 */
export async function call(system, pathname, { timeout_ms = CALL_TIMEOUT_MS, ...options } = {}) {
  const at = now();
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), timeout_ms);
  });
  try {
    const res = await Promise.race([request(system.gateway, pathname, options), deadline]);
    tally(res === null ? 'timeout' : res.status);
    if (res === null)
      return { timedOut: true, status: 0, call: at, return: Number.POSITIVE_INFINITY };
    let body = null;
    try {
      body = res.text ? JSON.parse(res.text) : null;
    } catch {
      body = null;
    }
    return { ...res, body, timedOut: false, call: at, return: now() };
  } catch (error) {
    // A broken connection says nothing about whether the call applied.
    tally('broken');
    return {
      timedOut: true,
      status: 0,
      error: String(error),
      call: at,
      return: Number.POSITIVE_INFINITY,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** A call that must succeed (setup and baselines, while faults may be live): retried until it does. */
export async function callUntil(system, pathname, expected, options = {}) {
  for (let attempt = 0; attempt < 20; attempt++) {
    const res = await call(system, pathname, options);
    if (res.status === expected) return res;
    await sleep(100 * (attempt + 1));
  }
  throw new Error(`${options.method ?? 'GET'} ${pathname} never answered ${expected}`);
}

export const customerHeaders = (customer, idempotencyKey) => ({
  authorization: `Bearer ${customer.token}`,
  ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
});

export const operatorHeaders = (idempotencyKey) => ({
  'x-api-key': ADMIN_API_KEY,
  ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
});

/** Replaces the live fault rules (PUT /v1/admin/faults); an empty list clears them. */
export async function setFaults(system, rules) {
  if (rules.length === 0) await admin(system, 'DELETE', '/v1/admin/faults');
  else await admin(system, 'PUT', '/v1/admin/faults', { rules });
}

/** A product with a SKU nobody used, so its stock starts at 0 in every region. */
export async function freshProduct(system, { price = 500, label = 'consistency' } = {}) {
  const suffix = randomUUID().slice(0, 8).toUpperCase();
  return admin(
    system,
    'POST',
    '/v1/products',
    {
      sku: `CNS-${suffix}`,
      name: `${label} ${suffix}`,
      description: 'made by npm run consistency',
      category: 'home',
      price: { amount: price, currency: 'USD' },
    },
    201,
  );
}

/** Restocks at the leader and waits for the answer (setup only: not part of a history). */
export function restock(system, sku, quantity, region) {
  return admin(system, 'POST', `/v1/inventory/${sku}/restock`, { quantity, region });
}

/** A seeded pseudo-random source, so a run's choices can be repeated. */
export function randomSource(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
}

/** Runs `clients` loops until `until` (run time); each loop gets its index. */
export async function clients(count, until, loop, done = () => false) {
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      while (now() < until && !done()) await loop(i);
    }),
  );
}

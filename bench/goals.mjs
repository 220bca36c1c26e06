// What each result of the bench is compared to (issue 12): the floor it is a
// ratio to, measured in the same run, and its goal on this 2-core machine.
// The one place that says it; run.mjs measures each floor right before and
// right after the group of results that are ratios to it.

/** The floors (bench/bench-worker.js): the least a request of each shape costs here. */
export const FLOORS = {
  'bare-route': { method: 'GET', path: '/' },
  'bare-rpc': { method: 'GET', path: '/rpc' },
  'bare-do-read': { method: 'GET', path: '/do/read' },
  'bare-do-write': { method: 'POST', path: '/do/write' },
};

/**
 * Every result id, its floor, and its goal when the issue sets one. A goal
 * is any of: `ratio_min` (rate / floor rate), `rate_min` (per second),
 * `p50_ms_max`, `p99_ms_max`, `errors_max`.
 */
export const RESULTS = {
  'gateway-health': { floor: 'bare-route', goal: { ratio_min: 0.85 } },
  'gateway-chain': { floor: 'bare-route', goal: { ratio_min: 0.7 } },
  'product-cached': { floor: 'bare-rpc', goal: { ratio_min: 0.6 } },
  'product-miss': { floor: 'bare-rpc' },
  'product-miss-lone': { floor: 'bare-rpc' },
  'inventory-read': { floor: 'bare-do-read', goal: { ratio_min: 0.6 } },
  'inventory-breaker-open': { floor: 'bare-route' },
  'ledger-write': { floor: 'bare-do-write', goal: { ratio_min: 0.5 } },
  'order-lone': { goal: { p50_ms_max: 50 } },
  'order-load': { goal: { rate_min: 60, p99_ms_max: 400, errors_max: 0 } },
};

/** The goal as the table prints it, e.g. "≥ 0.85" or "≥ 60/s, p99 ≤ 400 ms, 0 errors". */
export function goalText(goal) {
  if (!goal) return '';
  const parts = [];
  if (goal.ratio_min !== undefined) parts.push(`≥ ${goal.ratio_min.toFixed(2)}`);
  if (goal.rate_min !== undefined) parts.push(`≥ ${goal.rate_min}/s`);
  if (goal.p50_ms_max !== undefined) parts.push(`p50 ≤ ${goal.p50_ms_max} ms`);
  if (goal.p99_ms_max !== undefined) parts.push(`p99 ≤ ${goal.p99_ms_max} ms`);
  if (goal.errors_max !== undefined) parts.push(`${goal.errors_max} errors`);
  return parts.join(', ');
}

/** Whether `result` meets `goal` (null without a goal). A result with no samples meets nothing. */
export function goalMet(goal, result) {
  if (!goal) return null;
  if (result.count === 0) return false;
  const checks = [
    goal.ratio_min === undefined || (result.ratio ?? 0) >= goal.ratio_min,
    goal.rate_min === undefined || result.rate >= goal.rate_min,
    goal.p50_ms_max === undefined || result.p50_ms <= goal.p50_ms_max,
    goal.p99_ms_max === undefined || result.p99_ms <= goal.p99_ms_max,
    goal.errors_max === undefined || result.errors <= goal.errors_max,
  ];
  return checks.every(Boolean);
}

/** The floors a group of result ids needs, in a stable order. */
export function floorsOf(ids) {
  return [...new Set(ids.map((id) => RESULTS[id]?.floor).filter(Boolean))];
}

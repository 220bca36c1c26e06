// `npm run consistency`: consistency measured, not asserted. Starts the whole
// system under Miniflare (as the bench does), records concurrent histories of
// real HTTP clients against each linearizable object while faults are
// injected, checks each against its sequential model, runs a control that
// must be rejected, and measures the staleness of the eventual reads against
// their bounds. Exits non-zero when an expected-linearizable history is
// illegal or unknown, when the control is accepted, when a history is too
// small to mean much, or when a bound is exceeded.
//
//   npm run consistency                               # full: 30 s per history
//   CONSISTENCY_DURATION_MS=5000 npm run consistency  # short (npm test)
//   CONSISTENCY_ONLY=ledger npm run consistency       # one row
import { check } from './checker.ts';
import { controlHistory } from './driver/control.mjs';
import { idempotencyHistory } from './driver/idempotency.mjs';
import { ledgerHistory } from './driver/ledger.mjs';
import { ordersList, productReads, transactionsList } from './driver/staleness.mjs';
import { stockHistory } from './driver/stock.mjs';
import {
  answerCounts,
  closeClient,
  faultsBetween,
  setFaults,
  sleep,
  start,
} from './driver/system.mjs';
import { idempotencyModel } from './models/idempotency.ts';
import { ledgerModel } from './models/ledger.ts';
import { stockModel } from './models/stock.ts';
import { renderFailure } from './render.ts';
import { percentile, printReport, writeFailure, writeReport } from './report.mjs';
import { minimalFailingHistory } from './shrink.ts';

function positiveInteger(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const duration_ms = positiveInteger('CONSISTENCY_DURATION_MS', 30_000);
const short = duration_ms < 15_000;
const options = {
  duration_ms,
  // Orders placed near the end of the window get this long to finish.
  settle_ms: 30_000,
  operations_min: positiveInteger('CONSISTENCY_OPERATIONS_MIN', short ? 20 : 200),
  trials: positiveInteger('CONSISTENCY_STALENESS_TRIALS', short ? 3 : 10),
  check_timeout_ms: 60_000,
  port: positiveInteger('CONSISTENCY_PORT', 8920),
  // docs/consistency.md, Limits: one key, so the search is exponential in possibly-applied calls.
  ledger_operations_max: positiveInteger('CONSISTENCY_LEDGER_OPERATIONS_MAX', 400),
};

/** Faults live for the history plus a margin, so a run that dies leaves none for long. */
const ttlSeconds = Math.ceil((options.duration_ms + options.settle_ms) / 1000) + 60;
const rule = (target, kind, rate, extra = {}) => ({ target, kind, rate, ttlSeconds, ...extra });

const CHECKS = [
  {
    name: 'stock shard',
    model: stockModel,
    history: stockHistory,
    expected: true,
    faults: [
      rule('inventory', 'latency', 0.2, { latencyMs: 150 }),
      rule('inventory', 'error', 0.05),
      rule('queue:meridian-inventory-commands', 'drop', 0.2),
      rule('queue:meridian-saga-replies', 'drop', 0.2),
    ],
  },
  {
    name: 'account ledger',
    model: ledgerModel,
    history: ledgerHistory,
    expected: true,
    faults: [
      rule('payments', 'latency', 0.2, { latencyMs: 200 }),
      rule('payments', 'error', 0.05),
      rule('queue:meridian-payment-commands', 'drop', 0.2),
    ],
  },
  {
    name: 'idempotency record',
    model: idempotencyModel,
    history: idempotencyHistory,
    expected: true,
    // Latency past the gateway's 3 s upstream timeout: the deposit fails, the key is released.
    faults: [
      rule('payments', 'error', 0.1),
      rule('payments', 'latency', 0.05, { latencyMs: 3500 }),
    ],
  },
  {
    name: 'control: stock read via product availability',
    model: stockModel,
    history: controlHistory,
    expected: false,
    faults: [],
  },
];

/** Bounds of the eventual reads, and where each comes from. */
const STALENESS = [
  {
    name: 'product read after PATCH',
    measure: productReads,
    bound_ms: 60_000,
    source: 'README: bounded by the TTL (60 s)',
  },
  {
    name: 'orders list after confirmation',
    measure: ordersList,
    bound_ms: 10_000,
    source: 'proposed: README states none',
  },
  {
    name: 'transactions list after deposit',
    measure: transactionsList,
    bound_ms: 10_000,
    source: 'proposed: README states none',
  },
];

async function runCheck(system, spec) {
  console.log(`▶ ${spec.name}: ${options.duration_ms / 1000} s, ${spec.faults.length} fault rules`);
  const before = answerCounts();
  const began = Date.now();
  let recorded;
  try {
    const inject = () => setFaults(system, spec.faults);
    recorded = await spec.history(system, { ...options, inject });
  } finally {
    await setFaults(system, []);
  }
  const outcome = check(spec.model, recorded.history, { timeout_ms: options.check_timeout_ms });
  const failures = [];
  for (const part of outcome.partitions.filter((p) => p.result === 'illegal')) {
    const minimal = minimalFailingHistory(spec.model, part.operations, { timeout_ms: 30_000 });
    failures.push(writeFailure(spec.name, part.key, renderFailure(spec.model, part.key, minimal)));
  }
  const linearizable = outcome.result === 'unknown' ? 'unknown' : outcome.result === 'ok';
  const operations = recorded.history.length;
  const answers = Object.fromEntries(
    [...answerCounts()]
      .map(([status, n]) => [status, n - (before.get(status) ?? 0)])
      .filter(([, n]) => n > 0),
  );
  const big_enough = operations >= options.operations_min;
  const result = {
    name: spec.name,
    operations,
    clients: recorded.clients,
    faults: faultsBetween(recorded.from, recorded.to),
    linearizable,
    expected: spec.expected,
    keys: outcome.partitions.length,
    check_ms: outcome.elapsed_ms,
    answers,
    wall_s: Math.round((Date.now() - began) / 1000),
    failures,
    pass: linearizable === spec.expected && big_enough,
  };
  console.log(
    `  ${operations} operations, ${result.keys} keys, ${result.faults} faults injected, ${outcome.result} in ${outcome.elapsed_ms} ms (${result.wall_s} s; answers ${JSON.stringify(answers)})`,
  );
  if (!big_enough) console.log(`  ✗ fewer than ${options.operations_min} operations`);
  return result;
}

async function runStaleness(system, spec) {
  console.log(`▶ staleness: ${spec.name} (${options.trials} trials)`);
  const trials = await spec.measure(system, { trials: options.trials, bound_ms: spec.bound_ms });
  const values = trials.map((t) => t.staleness_ms);
  const p50 = percentile(values, 50);
  const p99 = percentile(values, 99);
  const round = (v) => (Number.isFinite(v) ? Math.round(v) : null);
  return {
    name: spec.name,
    bound_ms: spec.bound_ms,
    bound_source: spec.source,
    observed_p50_ms: round(p50),
    observed_p99_ms: round(p99),
    trials: trials.length,
    within: trials.every((t) => t.converged) && p99 <= spec.bound_ms,
  };
}

/** `CONSISTENCY_ONLY=ledger` runs only the checks and staleness rows whose name contains it. */
const only = process.env.CONSISTENCY_ONLY;
const selected = (spec) => !only || spec.name.includes(only);

const system = await start(options.port);
let report;
try {
  const checks = [];
  for (const spec of CHECKS.filter(selected)) {
    checks.push(await runCheck(system, spec));
    await sleep(2000);
  }
  const staleness = [];
  for (const spec of STALENESS.filter(selected)) staleness.push(await runStaleness(system, spec));
  report = { options, checks, staleness, worker_errors: system.workerLogs.error };
} finally {
  await system.mf.dispose();
  closeClient();
}
printReport(report);
console.log(`\nwritten: ${writeReport(report)}`);
const failed =
  report.checks.filter((c) => !c.pass).length + report.staleness.filter((s) => !s.within).length;
console.log(`consistency: ${failed === 0 ? 'pass' : `${failed} failed`}`);
process.exit(failed === 0 ? 0 : 1);

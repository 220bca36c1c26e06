// `npm run bench`: every figure the issues ask for, from one run of one
// system, each as a ratio to a bare Hono route served by the same workerd in
// the same run. Prints one table and writes .build/bench-latest.json.
//
//   npm run bench
//   BENCH_DURATION_MS=10000 BENCH_CONCURRENCY=32 npm run bench
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../scripts/workers.mjs';
import {
  benchVars,
  closeClient,
  printTable,
  queueSettings,
  startSystem,
  withRatios,
} from './harness.mjs';
import { catalogReads } from './scenarios/catalog.mjs';
import { bareRoute, gatewayRoutes } from './scenarios/gateway.mjs';
import { ledgerWrites } from './scenarios/ledger.mjs';
import { ORDERS_WINDOW_FACTOR, orderSaga } from './scenarios/orders.mjs';
import { breakerOpen } from './scenarios/resilience.mjs';

function positiveInteger(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

const options = {
  concurrency: positiveInteger('BENCH_CONCURRENCY', 16),
  duration_ms: positiveInteger('BENCH_DURATION_MS', 5000),
  warmup_ms: 1000,
  // Pause between scenarios: outbox relays, queue consumers and cache writes
  // that one scenario started finish before the next one is measured.
  settle_ms: 2000,
};

/** The fail-fast measurement (warm-up + window) fits inside one open period. */
const breaker_open_ms = options.warmup_ms + options.duration_ms + 5000;
const vars = benchVars({ breaker_open_ms });

/**
 * Groups of scenarios. Orders go last: a few hundred sagas leave workerd
 * slower for a while afterwards (seen as a dip of the bare route), which
 * should land on no other figure.
 */
const GROUPS = [
  gatewayRoutes,
  catalogReads,
  ledgerWrites,
  (system, opts) => breakerOpen(system, opts, { breaker_open_ms }),
  orderSaga,
];

const settle = () => new Promise((resolve) => setTimeout(resolve, options.settle_ms));

/**
 * The bare route runs before the first group and after every group, and each
 * result is a ratio to the mean of the two bare runs around its group: on a
 * shared machine the load drifts over minutes, much less over one group.
 */
async function bare(system, run) {
  await settle();
  const [result] = await bareRoute(system, { ...options, duration_ms: options.duration_ms / 2 });
  console.log(`  bare Hono route, run ${run}: ${result.rate.toFixed(0)} req/s`);
  return { ...result, run };
}

const machine = {
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  // The machine may be shared: its load before and after says how quiet it was.
  loadavg_before: os.loadavg().map((l) => Number(l.toFixed(2))),
};

const started = Date.now();
console.log('starting the system in Miniflare (build, migrations, seed)…');
const system = await startSystem({ vars });
const results = [];
const bareRuns = [];
const failures = [];
try {
  console.log(`up in ${Date.now() - started} ms; migrations: ${system.migrations.join(', ')}`);
  bareRuns.push(await bare(system, 1));
  for (const group of GROUPS) {
    await settle();
    let groupResults = [];
    const errorLogsBefore = system.workerLogs.error;
    try {
      groupResults = await group(system, options);
    } catch (error) {
      // One broken scenario must not cost the others' figures; the run still fails.
      failures.push(String(error instanceof Error ? error.message : error));
      console.error(`  scenario failed: ${failures.at(-1)}`);
      process.exitCode = 1;
    }
    const before = bareRuns.at(-1);
    const after = await bare(system, bareRuns.length + 1);
    bareRuns.push(after);
    for (const result of groupResults) {
      results.push({
        ...result,
        bare_rate: (before.rate + after.rate) / 2,
        // Error lines the workers logged during the group (the JSON report only).
        group_worker_error_logs: system.workerLogs.error - errorLogsBefore,
      });
      const rate = `${result.rate.toFixed(1)} ${result.unit}`;
      console.log(`  ${result.name}: ${rate}, ${result.errors} errors`);
    }
  }
} finally {
  closeClient();
  await system.mf.dispose();
}

machine.loadavg_after = os.loadavg().map((l) => Number(l.toFixed(2)));
const report = {
  at: new Date().toISOString(),
  command: 'npm run bench',
  machine,
  options,
  total_s: Math.round((Date.now() - started) / 1000),
  vars_changed_from_wrangler_toml: vars,
  queues: queueSettings(),
  worker_logs: system.workerLogs,
  failures,
  bare_runs: bareRuns,
  results: withRatios(bareRuns, results),
};
console.log(
  `\nMeridian bench — Miniflare direct, ${options.concurrency} clients (closed loop), ` +
    `${options.duration_ms} ms per scenario after ${options.warmup_ms} ms warm-up ` +
    `(orders: ${options.duration_ms * ORDERS_WINDOW_FACTOR} ms), ${machine.cpus} × ${machine.cpu}, Node ${machine.node}\n`,
);
printTable(report.results);
console.log(
  `\nbare route runs (req/s), before the first group and after each: ${bareRuns.map((r) => r.rate.toFixed(0)).join(', ')}; ` +
    'each figure is a ratio to the mean of the two runs around its group',
);
console.log('\nqueue consumers (from wrangler.toml):');
for (const q of report.queues)
  console.log(
    `  ${q.queue.padEnd(30)} ${q.worker.padEnd(24)} max_batch_size ${q.max_batch_size}, max_batch_timeout ${q.max_batch_timeout_s} s`,
  );
console.log(`\nvars changed for the bench: ${JSON.stringify(vars)}`);
console.log(
  `load average (1, 5, 15 min) before ${machine.loadavg_before.join(' ')}, after ${machine.loadavg_after.join(' ')}`,
);
const out = path.join(root, '.build', 'bench-latest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
// Latencies were kept for pooling; the report holds their percentiles.
const withoutLatencies = (key, value) => (key === 'latencies' ? undefined : value);
fs.writeFileSync(out, `${JSON.stringify(report, withoutLatencies, 2)}\n`);
console.log(`wrote ${path.relative(root, out)} (${report.total_s} s in all)`);
if (failures.length)
  console.error(`\n${failures.length} scenario(s) failed:\n  ${failures.join('\n  ')}`);

// `npm run bench`: every figure of issue 12 from one run of one system, each
// as a ratio to its floor (./goals.mjs) measured by the same workerd in the
// same run, with its goal and whether it was met. Prints one table and writes
// .build/bench-latest.json.
//
//   npm run bench
//   BENCH_DURATION_MS=2000 npm run bench              # a shorter run
//   BENCH_ONLY=gateway-chain,order-lone npm run bench # only those results' groups
//   BENCH_PROFILE=1 npm run bench                     # + CPU profiles (.build/profiles)
//   BENCH_PROFILE=meridian-gateway,queues:queue npm run bench  # of those isolates only
//   BENCH_LOG_LEVEL=info BENCH_ACCESS_LOG_SAMPLE_RATE=1 npm run bench  # every access line
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from '../scripts/workers.mjs';
import { floorsOf, RESULTS } from './goals.mjs';
import { benchVars, closeClient, queueSettings, startSystem } from './harness.mjs';
import { pooled, printTable, reportRow } from './measure.mjs';
import { createProbe, workerdPid } from './probe.mjs';
import { openProfiler } from './profile.mjs';
import { catalogReads } from './scenarios/catalog.mjs';
import { measureFloor } from './scenarios/floors.mjs';
import { gatewayRoutes } from './scenarios/gateway.mjs';
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
  // Pause between measurements: outbox relays, queue consumers and cache
  // writes that one started finish before the next one is measured.
  settle_ms: 2000,
};
const logging = {
  log_level: process.env.BENCH_LOG_LEVEL ?? 'warn',
  access_log_sample_rate: process.env.BENCH_ACCESS_LOG_SAMPLE_RATE,
};
const profiling = process.env.BENCH_PROFILE || null;

/** The fail-fast measurement (warm-up + window) fits inside one open period. */
const breaker_open_ms = options.warmup_ms + options.duration_ms + 5000;
const vars = benchVars({ breaker_open_ms, ...logging });

/**
 * Groups of results, each with the floors its results are ratios to measured
 * right before and right after it. Orders go last: a few hundred sagas leave
 * workerd slower for a while afterwards, which should land on no other figure.
 */
const GROUPS = [
  { ids: ['gateway-health', 'gateway-chain'], run: gatewayRoutes },
  { ids: ['product-cached', 'product-miss', 'product-miss-lone'], run: catalogReads },
  { ids: ['ledger-write'], run: ledgerWrites },
  {
    ids: ['inventory-read', 'inventory-breaker-open'],
    run: (system, opts) => breakerOpen(system, opts, { breaker_open_ms }),
  },
  { ids: ['order-lone', 'order-load'], run: orderSaga },
];

const only = (process.env.BENCH_ONLY ?? '').split(',').filter(Boolean);
for (const id of only)
  if (!(id in RESULTS))
    throw new Error(`BENCH_ONLY: no result ${id}; one of ${Object.keys(RESULTS).join(', ')}`);
const groups = only.length ? GROUPS.filter((g) => g.ids.some((id) => only.includes(id))) : GROUPS;

/** An error's message and its cause's (undici's "fetch failed" says why only there). */
function describeError(error) {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, options.settle_ms));
const loadavg = () => os.loadavg().map((l) => Number(l.toFixed(2)));
const machine = {
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  memory_gb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  // The machine may be shared: its load at the start and the end says how quiet it was.
  loadavg_start: loadavg(),
};
const command = `${Object.entries(process.env)
  .filter(([k]) => k.startsWith('BENCH_'))
  .map(([k, v]) => `${k}=${v} `)
  .join('')}npm run bench`;

const started = Date.now();
console.log(`${command}: starting the system in Miniflare (build, migrations, seed)…`);
const system = await startSystem({ vars, inspect: Boolean(profiling) });
const profileDir = path.join(root, '.build', 'profiles');
const profiler = profiling ? await openProfiler(system.inspector, profiling) : null;
const probe = createProbe({ pid: workerdPid(), profiler, profileDir });
const run = { ...options, probe };
const floorRuns = {};
const rows = [];
const failures = [];

/** Measures each floor for half a window; returns their runs by id. */
async function measureFloors(floors) {
  const runs = {};
  for (const id of floors) {
    await settle();
    runs[id] = await measureFloor(system, id, { ...run, duration_ms: options.duration_ms / 2 });
    floorRuns[id] = [...(floorRuns[id] ?? []), runs[id]];
    console.log(`  ${id} (floor): ${runs[id].rate.toFixed(0)} ${runs[id].unit}`);
  }
  return runs;
}

try {
  console.log(`up in ${Date.now() - started} ms; migrations: ${system.migrations.join(', ')}`);
  for (const group of groups) {
    const floors = floorsOf(group.ids);
    const before = await measureFloors(floors);
    await settle();
    let results = [];
    try {
      results = await group.run(system, run);
    } catch (error) {
      // One broken scenario must not cost the others' figures; the run still fails.
      failures.push(describeError(error));
      console.error(`  scenario failed: ${failures.at(-1)}`);
      process.exitCode = 1;
    }
    const after = await measureFloors(floors);
    for (const result of results) {
      const floor = RESULTS[result.id]?.floor;
      const floor_rate = floor ? (before[floor].rate + after[floor].rate) / 2 : null;
      const row = reportRow(result, floor_rate);
      rows.push(row);
      const ratio = row.ratio === null ? '' : `, ${row.ratio.toFixed(3)} of ${floor}`;
      console.log(`  ${row.id}: ${row.rate.toFixed(1)} ${row.unit}${ratio}, ${row.errors} errors`);
    }
  }
} finally {
  profiler?.close();
  closeClient();
  await system.mf.dispose();
}

machine.loadavg_end = loadavg();
const floorRows = Object.entries(floorRuns).map(([id, runs]) => {
  const { rate, p50_ms, p99_ms, errors, ...rest } = pooled(id, runs);
  return {
    id,
    rate,
    p50_ms,
    p99_ms,
    errors,
    floor: null,
    ratio: null,
    goal: null,
    met: null,
    ...rest,
  };
});
const report = {
  at: new Date().toISOString(),
  command,
  machine,
  options,
  logging,
  total_s: Math.round((Date.now() - started) / 1000),
  vars_changed_from_wrangler_toml: vars,
  queues: queueSettings(),
  worker_logs: system.workerLogs,
  failures,
  results: [...floorRows, ...rows],
};
console.log(
  `\nMeridian bench (${command}) — Miniflare direct, ${options.concurrency} clients (closed loop), ` +
    `${options.duration_ms} ms per result after ${options.warmup_ms} ms warm-up (floors: half, ` +
    `before and after their group; orders: ${options.duration_ms * ORDERS_WINDOW_FACTOR} ms), ` +
    `${machine.cpus} × ${machine.cpu}, Node ${machine.node}, LOG_LEVEL ${logging.log_level}\n`,
);
printTable(floorRows, rows);
const goals = rows.filter((r) => r.met !== null);
console.log(`\n${goals.filter((r) => r.met).length} of ${goals.length} goals met`);
console.log(
  `floor runs (req/s), before and after their groups: ${floorRows.map((f) => `${f.id} ${f.runs.join(', ')}`).join('; ')}`,
);
console.log('\nqueue consumers (from wrangler.toml):');
for (const q of report.queues)
  console.log(
    `  ${q.queue.padEnd(30)} ${q.worker.padEnd(24)} max_batch_size ${q.max_batch_size}, max_batch_timeout ${q.max_batch_timeout_s} s`,
  );
console.log(`\nvars changed for the bench: ${JSON.stringify(vars)}`);
console.log(`worker log lines: ${JSON.stringify(system.workerLogs)}`);
console.log(
  `load average (1, 5, 15 min) at the start ${machine.loadavg_start.join(' ')}, at the end ${machine.loadavg_end.join(' ')}`,
);
const out = path.join(root, '.build', 'bench-latest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
console.log(`wrote ${path.relative(root, out)} (${report.total_s} s in all)`);
if (failures.length)
  console.error(`\n${failures.length} scenario(s) failed:\n  ${failures.join('\n  ')}`);

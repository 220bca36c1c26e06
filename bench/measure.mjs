// The one load generator and the one report of the bench.
import { goalMet, goalText, RESULTS } from './goals.mjs';

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? 0;
}

/** An HTTP answer as an outcome: its status, and the cache level when it names one. */
export function httpOutcome(res) {
  const cache = res.headers['x-cache'];
  return cache ? `${res.status} ${cache}` : String(res.status);
}

/** The default success test: a 2xx or 3xx HTTP outcome. */
const succeeded = (outcome) => /^[23]\d\d\b/.test(outcome);

/**
 * Closed loop: `concurrency` clients each start their next operation as soon
 * as the previous one ends. `op(client)` does one operation (one request, or
 * a whole order) and resolves with its outcome label; `ok(outcome)` says
 * whether that was the expected one. Operations that end in the window
 * [warm-up end, warm-up end + duration] are counted: the rate is expected
 * outcomes per second of window, p50/p99 are over their latencies, every
 * other outcome (or a throw) is an error. Operations still running when the
 * window closes are awaited but not counted (`drained`). `latencies` (sorted)
 * are returned for pooling, not for the report. A `probe` ({ begin(id),
 * end(id) }) is told when the window opens and closes; what `end` resolves
 * with is added to the result (CPU time, profiles).
 */
export async function measure(
  id,
  op,
  {
    concurrency = 16,
    duration_ms = 5000,
    warmup_ms = 1000,
    ok = succeeded,
    unit = 'req/s',
    probe,
  } = {},
) {
  const latencies = [];
  const outcomes = {};
  let errors = 0;
  let drained = 0;
  const recordFrom = performance.now() + warmup_ms;
  const stopAt = recordFrom + duration_ms;
  const opened = probe && delay(warmup_ms).then(() => probe.begin(id));
  const closed = probe && delay(warmup_ms + duration_ms).then(async () => probe.end(id));
  const client = async (index) => {
    while (performance.now() < stopAt) {
      const started = performance.now();
      let outcome;
      try {
        outcome = await op(index);
      } catch (error) {
        outcome = `threw ${error instanceof Error ? error.name : 'error'}`;
      }
      const ended = performance.now();
      if (ended < recordFrom) continue;
      if (ended > stopAt) {
        drained++;
        continue;
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      if (ok(outcome)) latencies.push(ended - started);
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, i) => client(i)));
  await opened;
  const probed = (await closed) ?? {};
  latencies.sort((a, b) => a - b);
  const ops = latencies.length + errors;
  return {
    id,
    unit,
    concurrency,
    duration_ms,
    count: latencies.length,
    rate: latencies.length / (duration_ms / 1000),
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    errors,
    drained,
    outcomes,
    ...probed,
    ...(probed.cpu_ms ? { cpu_ms_per_op: perOp(probed.cpu_ms, ops) } : {}),
    ops,
    latencies,
  };
}

/** CPU ms per operation of each process, from the window's CPU ms and operation count. */
function perOp(cpu_ms, ops) {
  const each = (ms) => (ops > 0 && Number.isFinite(ms) ? Number((ms / ops).toFixed(4)) : null);
  return { workerd: each(cpu_ms.workerd), node: each(cpu_ms.node) };
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Several runs of one floor as one row: counts and latencies pooled, each run's rate kept. */
export function pooled(id, runs) {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((sum, r) => sum + r.duration_ms, 0) / 1000;
  return {
    id,
    unit: runs[0]?.unit ?? 'req/s',
    count: latencies.length,
    rate: latencies.length / seconds,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    runs: runs.map((r) => Number(r.rate.toFixed(1))),
    ...(runs.every((r) => r.cpu_ms) ? { cpu_ms_per_op: pooledPerOp(runs) } : {}),
  };
}

function pooledPerOp(runs) {
  const sum = (f) => runs.reduce((total, r) => total + f(r), 0);
  const cpu_ms = { workerd: sum((r) => r.cpu_ms.workerd), node: sum((r) => r.cpu_ms.node) };
  return perOp(
    cpu_ms,
    sum((r) => r.ops),
  );
}

/**
 * A result as the report keeps it: the issue's fields first (`id`, `rate`,
 * `p50_ms`, `p99_ms`, `errors`, `floor`, `ratio`, `goal`, `met`), then the
 * rest. `floor_rate` is the mean rate of its floor's runs around its group.
 */
export function reportRow(result, floor_rate) {
  const { floor = null, goal } = RESULTS[result.id] ?? {};
  const ratio = floor && floor_rate ? result.rate / floor_rate : null;
  const row = {
    id: result.id,
    rate: result.rate,
    p50_ms: result.p50_ms,
    p99_ms: result.p99_ms,
    errors: result.errors,
    floor,
    ratio,
    goal: goal ? goalText(goal) : null,
    met: null,
  };
  const { latencies: _kept, ...rest } = result;
  return { ...row, met: goalMet(goal, { ...result, ratio }), floor_rate, ...rest };
}

const fixed = (n, digits) => (Number.isFinite(n) ? n.toFixed(digits) : '');
const mark = (met) => (met === null ? '' : met ? '✓' : '✗');

/** One Markdown table (pasteable into the README): floors first, then every result. */
export function printTable(floors, rows) {
  const cells = [...floors, ...rows].map((r) => [
    r.id,
    `${fixed(r.rate, r.rate < 100 ? 1 : 0)} ${r.unit}`,
    r.floor ?? '',
    fixed(r.ratio, 3),
    r.goal ?? '',
    mark(r.met ?? null),
    fixed(r.p50_ms, 2),
    fixed(r.p99_ms, 2),
    fixed(r.cpu_ms_per_op?.workerd, 3),
    String(r.count),
    String(r.errors),
  ]);
  const header = ['id', 'rate', 'floor', 'ratio', 'goal', 'met', 'p50 ms', 'p99 ms'];
  header.push('workerd CPU ms/op', 'n', 'errors');
  const left = new Set([0, 2, 4]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row) =>
    `| ${row.map((c, i) => (left.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (left.has(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const row of cells) console.log(line(row));
}

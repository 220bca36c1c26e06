// The one load generator and the one report of the bench.

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
 * are returned for pooling, not for the report.
 */
export async function measure(
  name,
  op,
  { concurrency = 16, duration_ms = 5000, warmup_ms = 1000, ok = succeeded, unit = 'req/s' } = {},
) {
  const latencies = [];
  const outcomes = {};
  let errors = 0;
  let drained = 0;
  const recordFrom = performance.now() + warmup_ms;
  const stopAt = recordFrom + duration_ms;
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
  latencies.sort((a, b) => a - b);
  return {
    name,
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
    latencies,
  };
}

/** Several runs of one scenario as one: counts and latencies pooled. */
export function pooled(name, runs) {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = runs.reduce((sum, r) => sum + r.duration_ms, 0) / 1000;
  return {
    name,
    unit: runs[0]?.unit ?? 'req/s',
    count: latencies.length,
    rate: latencies.length / seconds,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  };
}

const fixed = (n, digits) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

/**
 * The table's rows: the bare route (all its runs pooled), then every result
 * as a ratio to its `bare_rate` (the bare runs around its group). A result
 * may name a closer baseline measured next to it in its group (`against`),
 * given as a second, direct ratio.
 */
export function withRatios(bareRuns, results) {
  const byName = new Map(results.map((r) => [r.name, r]));
  const rows = results.map((r) => {
    const against = r.against && byName.get(r.against);
    return {
      ...r,
      vs_bare: r.rate / r.bare_rate,
      ...(against ? { vs_against: r.rate / against.rate } : {}),
    };
  });
  const bare = pooled(`bare Hono route (${bareRuns.length} runs pooled)`, bareRuns);
  return [{ ...bare, vs_bare: 1 }, ...rows];
}

/** One Markdown table (pasteable into the README). */
export function printTable(results) {
  const rows = results.map((r) => [
    r.name,
    `${fixed(r.rate, r.rate < 100 ? 1 : 0)} ${r.unit}`,
    fixed(r.vs_bare, 3),
    r.vs_against === undefined ? '' : `${fixed(r.vs_against, 2)}× ${r.against}`,
    fixed(r.p50_ms, 2),
    fixed(r.p99_ms, 2),
    String(r.count),
    String(r.errors),
  ]);
  const header = ['scenario', 'rate', 'vs bare', 'vs baseline', 'p50 ms', 'p99 ms', 'n', 'errors'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 || i === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(
    `|${widths.map((w, i) => (i === 0 || i === 3 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
  );
  for (const row of rows) console.log(line(row));
}

// Serves Meridian through Miniflare directly (no wrangler dev proxy) and
// measures HTTP scenarios with a closed-loop load generator on loopback.
import path from 'node:path';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { buildWorkers } from '../scripts/build.mjs';
import { systemWorkerOptions } from '../scripts/miniflare.mjs';
import { catalogSeedSql, seedStock } from '../scripts/seed.mjs';
import { root } from '../scripts/workers.mjs';

export const ADMIN_API_KEY = 'meridian-dev-admin-key';

/** Starts the whole system (gateway first) on `port`, migrated and seeded. */
export async function startSystem({ port = 8901, vars = {} } = {}) {
  await buildWorkers();
  const workers = systemWorkerOptions({ vars });
  const mf = new Miniflare(convertV4MiniflareOptions({ workers, host: '127.0.0.1', port }));
  const url = (await mf.ready).toString().replace(/\/$/, '');
  const catalog = await mf.getD1Database('CATALOG_DB', 'meridian-catalog');
  const { readD1Migrations } = await import('@cloudflare/vitest-plugin');
  for (const migration of await readD1Migrations(path.join(root, 'migrations', 'catalog'))) {
    for (const query of migration.queries) await catalog.prepare(query).run();
  }
  for (const statement of catalogSeedSql().split('\n')) await catalog.prepare(statement).run();
  await seedStock(url, ADMIN_API_KEY);
  return { mf, url };
}

export async function startBare({ port = 8900 } = {}) {
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers: [
        {
          name: 'bare',
          modules: true,
          scriptPath: path.join(root, 'bench', 'bare-worker.js'),
          modulesRoot: root,
          compatibilityDate: '2026-11-01',
        },
      ],
      host: '127.0.0.1',
      port,
    }),
  );
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return { mf, url };
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/**
 * Closed loop: `concurrency` clients each send the next request as soon as the
 * previous one answers, for `duration_ms` after a warm-up. Non-2xx/3xx
 * answers are counted as errors.
 */
export async function measure(
  name,
  makeRequest,
  { concurrency = 16, duration_ms = 4000, warmup_ms = 750 } = {},
) {
  const latencies = [];
  let errors = 0;
  let recording = false;
  const stopAt = Date.now() + warmup_ms + duration_ms;
  setTimeout(() => {
    recording = true;
  }, warmup_ms);
  let started = 0;
  const client = async () => {
    while (Date.now() < stopAt) {
      const t0 = performance.now();
      const res = await makeRequest();
      await res.arrayBuffer();
      const ms = performance.now() - t0;
      if (!recording) continue;
      if (started === 0) started = performance.now() - ms;
      if (res.status >= 400) errors++;
      latencies.push(ms);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: latencies.length,
    errors,
    rps: latencies.length / seconds,
    p50_ms: percentile(latencies, 50),
    p99_ms: percentile(latencies, 99),
  };
}

export function printTable(results, baseline) {
  const rows = results.map((r) => ({
    scenario: r.name,
    'req/s': r.rps.toFixed(0),
    'ratio vs bare': (r.rps / baseline.rps).toFixed(3),
    'p50 ms': r.p50_ms.toFixed(2),
    'p99 ms': r.p99_ms.toFixed(2),
    errors: r.errors,
  }));
  console.table(rows);
}

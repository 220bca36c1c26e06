// Catalog bench: a cached product read and the miss path, against a bare
// worker and a bare gateway route measured in the same run, with req/s and
// p50/p99 latency. The whole system is served by Miniflare directly (not
// `wrangler dev`, whose proxy costs several times its throughput).
//
//   node bench/catalog.mjs            # defaults: 5 s per scenario, 16 connections
//   BENCH_DURATION_S=10 BENCH_CONCURRENCY=32 BENCH_MISS_PRODUCTS=5000 node bench/catalog.mjs
//   node bench/catalog.mjs --json     # machine-readable summary on stdout
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { buildWorkers } from '../scripts/build.mjs';
import { systemWorkerOptions } from '../scripts/miniflare.mjs';
import { root } from '../scripts/workers.mjs';

const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 5) * 1000;
const WARMUP_MS = 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const MISS_PRODUCTS = Number(process.env.BENCH_MISS_PRODUCTS ?? 3000);
const JSON_OUTPUT = process.argv.includes('--json');
const BARE_HOST = 'bare.bench';

const say = (...args) => {
  if (!JSON_OUTPUT) console.log(...args);
};

/** A worker that does nothing: the ceiling of what workerd serves on this machine. */
const bareWorker = {
  name: 'bench-bare',
  modules: true,
  script: 'export default { fetch() { return new Response("ok"); } };',
  compatibilityDate: '2026-11-01',
  routes: [`${BARE_HOST}/*`],
};

async function startSystem() {
  await buildWorkers();
  const workers = [...systemWorkerOptions(), bareWorker];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      workers,
      host: '127.0.0.1',
      port: 0,
      // No network lookups for the Request.cf placeholder.
      cf: false,
      log: new Log(LogLevel.WARN),
      // Workers log one JSON line per request; keep the bench output readable.
      handleStructuredLogs: () => {},
    }),
  );
  const url = await mf.ready;
  return { mf, url };
}

/** Applies the catalog migrations and seeds one hot product and `count` cold ones. */
async function seedCatalog(mf, count) {
  const db = await mf.getD1Database('CATALOG_DB', 'meridian-catalog');
  const dir = path.join(root, 'migrations', 'catalog');
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const statement of sql.split('--> statement-breakpoint')) {
      if (statement.trim()) await db.prepare(statement).run();
    }
  }
  const now = Date.now();
  const ids = Array.from(
    { length: count + 1 },
    (_, i) => `prd_0000000000BENCH${String(i).padStart(11, '0')}`,
  );
  const insert = db.prepare(
    `INSERT INTO products (id, sku, name, description, category, price_amount, currency, created_at, updated_at, version)
     VALUES (?, ?, ?, 'bench product', 'bench', 1000, 'USD', ?, ?, 1)`,
  );
  for (let i = 0; i < ids.length; i += 200) {
    await db.batch(
      ids
        .slice(i, i + 200)
        .map((id, j) => insert.bind(id, `BENCH-${i + j}`, `Bench ${i + j}`, now, now)),
    );
  }
  return { hot: ids[0], cold: ids.slice(1) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

/** One GET; resolves with latency (ms), status and the x-cache header. */
function get(base, pathname, host) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path: pathname,
        agent,
        headers: host ? { host } : {},
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({
            ms: Number(process.hrtime.bigint() - started) / 1e6,
            status: res.statusCode,
            cache: res.headers['x-cache'] ?? '-',
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;

/**
 * Requests the paths `next()` gives over `connections` keep-alive connections
 * until the duration ends or `next()` runs out;
 * returns throughput, latency percentiles and how responses were served.
 */
async function load(base, { next, host, duration_ms = DURATION_MS, connections = CONCURRENCY }) {
  const latencies = [];
  const statuses = {};
  const levels = {};
  const started = performance.now();
  const deadline = started + duration_ms;
  let exhausted = false;
  async function connection() {
    while (!exhausted && performance.now() < deadline) {
      const pathname = next();
      if (pathname === undefined) {
        exhausted = true;
        break;
      }
      const r = await get(base, pathname, host);
      latencies.push(r.ms);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      levels[r.cache] = (levels[r.cache] ?? 0) + 1;
    }
  }
  await Promise.all(Array.from({ length: connections }, connection));
  const elapsed_s = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    rps: Math.round(latencies.length / elapsed_s),
    p50_ms: Number(percentile(latencies, 0.5).toFixed(2)),
    p99_ms: Number(percentile(latencies, 0.99).toFixed(2)),
    statuses,
    levels,
  };
}

async function scenario(name, base, options) {
  if (options.warmup !== false) await load(base, { ...options, duration_ms: WARMUP_MS });
  const result = await load(base, options);
  say(
    `  ${name.padEnd(30)} ${String(result.rps).padStart(7)} req/s   p50 ${result.p50_ms} ms   p99 ${result.p99_ms} ms`,
  );
  return { name, ...result };
}

const { mf, url } = await startSystem();
try {
  say(`Miniflare up at ${url}; seeding ${MISS_PRODUCTS + 1} products…`);
  const { hot, cold } = await seedCatalog(mf, MISS_PRODUCTS);
  say(
    `${CONCURRENCY} connections, ${DURATION_MS / 1000} s per scenario (after ${WARMUP_MS / 1000} s warm-up)\n`,
  );
  let coldIndex = 0;
  const nextCold = () =>
    coldIndex < cold.length ? `/v1/products/${cold[coldIndex++]}` : undefined;
  const results = [
    await scenario('bare worker', url, { next: () => '/', host: BARE_HOST }),
    await scenario('gateway GET /health', url, { next: () => '/health' }),
    await scenario('product, cached (hot id)', url, { next: () => `/v1/products/${hot}` }),
    // Every request asks for a product nobody asked for before: every level misses.
    await scenario('product, miss (cold ids)', url, { next: nextCold, warmup: false }),
    // The same path one request at a time: its latency without queueing.
    await scenario('product, miss, 1 connection', url, {
      next: nextCold,
      warmup: false,
      connections: 1,
    }),
  ];
  const bare = results[0].rps;
  const summary = results.map((r) => ({ ...r, vs_bare: Number((r.rps / bare).toFixed(3)) }));
  if (JSON_OUTPUT) {
    console.log(
      JSON.stringify(
        { concurrency: CONCURRENCY, duration_s: DURATION_MS / 1000, results: summary },
        null,
        2,
      ),
    );
  } else {
    console.log(
      '\nscenario                         req/s   vs bare    p50 ms    p99 ms   served by',
    );
    for (const r of summary) {
      const served = Object.entries(r.levels)
        .map(([k, v]) => `${k}:${v}`)
        .join(' ');
      console.log(
        `${r.name.padEnd(30)} ${String(r.rps).padStart(7)} ${r.vs_bare.toFixed(3).padStart(9)} ${r.p50_ms.toFixed(2).padStart(9)} ${r.p99_ms.toFixed(2).padStart(9)}   ${served}`,
      );
    }
    const failed = summary.filter((r) => Object.keys(r.statuses).some((s) => s !== '200'));
    if (failed.length)
      console.log(
        `\nnon-200 responses: ${failed.map((r) => `${r.name} ${JSON.stringify(r.statuses)}`).join('; ')}`,
      );
  }
} finally {
  agent.destroy();
  await mf.dispose();
}

// Resilience bench: throughput and latency of the gateway's full middleware
// chain and upstream layer, as ratios of a bare Hono route measured in the
// same run, plus the fail-fast path while a circuit breaker is open.
//
// Standalone (bench/run.mjs does not exist on this branch): it serves the
// system from the `.build/` bundles with Miniflare directly, using the same
// options as the tests (`scripts/miniflare.mjs` systemWorkerOptions, converted
// with miniflare's convertV4MiniflareOptions), and talks to each worker over
// its own direct socket so no proxy sits in front of either side.
//
//   node bench/resilience.mjs            # 5 s per phase, 16 connections
//   BENCH_DURATION_S=10 BENCH_CONCURRENCY=32 node bench/resilience.mjs
import http from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { buildWorkers } from '../scripts/build.mjs';
import { readDevVars, systemWorkerOptions } from '../scripts/miniflare.mjs';
import { root } from '../scripts/workers.mjs';

const DURATION_MS = Number(process.env.BENCH_DURATION_S ?? 5) * 1000;
const WARMUP_MS = 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ADMIN_KEY = readDevVars().ADMIN_API_KEY;
const STOCK = '/v1/inventory/MRD-TEE-001?region=us';

/** The baseline: a Hono app with one JSON route, bundled like the workers. */
async function buildBareWorker() {
  const outfile = path.join(root, '.build', 'bench-bare', 'index.js');
  await build({
    stdin: {
      contents: `import { Hono } from 'hono';
        const app = new Hono();
        app.get('/', (c) => c.json({ status: 'ok' }));
        export default app;`,
      resolveDir: root,
      loader: 'js',
    },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2024',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['browser', 'module', 'main'],
    logLevel: 'warning',
  });
  return outfile;
}

async function startSystem() {
  await buildWorkers();
  const barePath = await buildBareWorker();
  const system = systemWorkerOptions({
    // Keep the breaker open through the fail-fast phase; nothing else changes.
    vars: { gateway: { BREAKER_OPEN_MS: '600000' } },
  });
  const [gateway, ...services] = system;
  const direct = [{ port: 0 }];
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      log: new Log(LogLevel.NONE),
      handleStructuredLogs: () => {},
      workers: [
        { ...gateway, unsafeDirectSockets: direct },
        ...services,
        {
          name: 'bench-bare',
          modules: true,
          scriptPath: barePath,
          compatibilityDate: '2026-11-01',
          compatibilityFlags: ['nodejs_compat'],
          unsafeDirectSockets: direct,
        },
      ],
    }),
  );
  await mf.ready;
  return {
    mf,
    gatewayUrl: await mf.unsafeGetDirectURL(gateway.name),
    bareUrl: await mf.unsafeGetDirectURL('bench-bare'),
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });

function request(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** Closed-loop load: CONCURRENCY clients, each sending its next request on the previous answer. */
async function load(url, duration_ms) {
  const latencies = [];
  const statuses = {};
  const until = Date.now() + duration_ms;
  const client = async () => {
    while (Date.now() < until) {
      const started = process.hrtime.bigint();
      const { status } = await request(url);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, client));
  const elapsed_s = (Date.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  return { rps: latencies.length / elapsed_s, p50: pct(0.5), p99: pct(0.99), statuses };
}

async function phase(name, url) {
  await load(url, WARMUP_MS);
  const result = await load(url, DURATION_MS);
  console.error(`  ${name}: ${result.rps.toFixed(0)} req/s`);
  return { name, ...result };
}

async function admin(base, method, body) {
  const res = await request(new URL('/v1/admin/faults', base), {
    method,
    headers: { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${method} faults: ${res.status} ${res.body}`);
}

/** Opens the inventory breaker with an injected error, then clears the rule. */
async function openInventoryBreaker(base) {
  await admin(base, 'PUT', { rules: [{ target: 'inventory', kind: 'error', rate: 1 }] });
  for (let i = 0; i < 20; i++) {
    const res = await request(new URL(STOCK, base));
    if (res.status === 503 && res.body.includes('upstream_circuit_open')) break;
  }
  // With the rule gone the upstream is healthy; only the open breaker refuses.
  await admin(base, 'DELETE');
  const res = await request(new URL(STOCK, base));
  if (!res.body.includes('upstream_circuit_open')) throw new Error('breaker did not open');
}

function report(results) {
  const bare = results.filter((r) => r.name.startsWith('bare'));
  const bareRps = bare.reduce((sum, r) => sum + r.rps, 0) / bare.length;
  const rows = results.map((r) => ({
    phase: r.name,
    'req/s': Math.round(r.rps),
    'p50 ms': r.p50.toFixed(2),
    'p99 ms': r.p99.toFixed(2),
    'vs bare': (r.rps / bareRps).toFixed(3),
    statuses: Object.entries(r.statuses)
      .map(([s, n]) => `${s}×${n}`)
      .join(' '),
  }));
  console.log(
    `\nMeridian resilience bench — ${CONCURRENCY} connections, ${DURATION_MS / 1000} s per phase,` +
      ` Node ${process.version}; ratio against the mean of the bare runs\n`,
  );
  console.table(rows);
}

const { mf, gatewayUrl, bareUrl } = await startSystem();
try {
  console.error('measuring…');
  const results = [];
  results.push(await phase('bare Hono route', new URL('/', bareUrl)));
  results.push(
    await phase('gateway /health (full middleware chain)', new URL('/health', gatewayUrl)),
  );
  results.push(
    await phase(
      'gateway GET inventory (chain + upstream layer + RPC + DO)',
      new URL(STOCK, gatewayUrl),
    ),
  );
  await openInventoryBreaker(gatewayUrl);
  results.push(
    await phase('gateway GET inventory, breaker open (fail fast)', new URL(STOCK, gatewayUrl)),
  );
  results.push(await phase('bare Hono route (again)', new URL('/', bareUrl)));
  report(results);
} finally {
  agent.destroy();
  await mf.dispose();
}

// Bench: an account-ledger write (operation record + event + outbox row in
// one transaction, then the outbox delivered to the queue) against a bare
// Durable Object counter, measured in the same Miniflare run. Both are called
// from the same bench worker over one DO RPC hop, so the ratio is the cost of
// the ledger's guarantees, not of the harness.
//
//   node bench/ledger.mjs [--ops 2000] [--rounds 4] [--concurrency 8]
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { buildWorkers } from '../scripts/build.mjs';
import { workerOptions } from '../scripts/miniflare.mjs';
import { root, WORKERS } from '../scripts/workers.mjs';

const { values: args } = parseArgs({
  options: {
    ops: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '8' },
    samples: { type: 'string', default: '300' },
  },
});
const OPS = Number(args.ops);
const ROUNDS = Number(args.rounds);
const CONCURRENCY = Number(args.concurrency);
const SAMPLES = Number(args.samples);

const payments = WORKERS.find((w) => w.name === 'payments');
await buildWorkers([payments]);

const bench = {
  name: 'bench',
  rootPath: root,
  modulesRoot: root,
  modules: true,
  scriptPath: path.join(root, 'bench', 'bench-worker.js'),
  compatibilityDate: '2026-11-01',
  compatibilityFlags: ['nodejs_compat'],
  durableObjects: {
    COUNTER: { className: 'Counter', useSQLite: true },
    LEDGER: { className: 'AccountLedger', scriptName: 'meridian-payments', useSQLite: true },
  },
};
const mf = new Miniflare(
  convertV4MiniflareOptions({ workers: [bench, workerOptions(payments)], log: undefined }),
);
await mf.ready;

// The ledger's events feed the D1 projection (one database per region,
// REGION_CONFIG.paymentsDb); give each its tables.
const dir = path.join(root, 'migrations', 'payments');
for (const binding of ['PAYMENTS_DB_US', 'PAYMENTS_DB_EU', 'PAYMENTS_DB_APAC']) {
  const db = await mf.getD1Database(binding, 'meridian-payments');
  for (const file of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()) {
    for (const statement of fs
      .readFileSync(path.join(dir, file), 'utf8')
      .split('--> statement-breakpoint'))
      if (statement.trim()) await db.prepare(statement).run();
  }
}

async function run(kind, n, c, key) {
  const res = await mf.dispatchFetch(`http://bench/${kind}?n=${n}&c=${c}&key=${key}`);
  if (!res.ok) throw new Error(`${kind}: ${res.status} ${await res.text()}`);
  return (await res.json()).ms;
}

const percentile = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

/** Rounds alternate between the two kinds so that drift (GC, the queue consumer) hits both. */
async function throughput(c) {
  const total = { counter: 0, ledger: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of ['counter', 'ledger'])
      total[kind] += await run(kind, OPS / ROUNDS, c, `${kind}-c${c}`);
  }
  return { counter: (OPS / total.counter) * 1000, ledger: (OPS / total.ledger) * 1000 };
}

/** One call per request, timed from Node: end-to-end latency including the harness hop. */
async function latency() {
  const samples = { counter: [], ledger: [] };
  for (let i = 0; i < SAMPLES; i++) {
    for (const kind of ['counter', 'ledger']) {
      const started = performance.now();
      await run(kind, 1, 1, `${kind}-latency`);
      samples[kind].push(performance.now() - started);
    }
  }
  const summary = {};
  for (const [kind, list] of Object.entries(samples)) {
    list.sort((a, b) => a - b);
    summary[kind] = { p50: percentile(list, 0.5), p99: percentile(list, 0.99) };
  }
  return summary;
}

await run('counter', 200, 1, 'warmup');
await run('ledger', 200, 1, 'warmup');
const sequential = await throughput(1);
const concurrent = await throughput(CONCURRENCY);
const latencies = await latency();
await mf.dispose();

const fmt = (x) => x.toFixed(0).padStart(8);
const ms = (x) => x.toFixed(2).padStart(7);
console.log(
  `\nledger write vs bare DO counter (Miniflare, ${OPS} ops per mode, one object each)\n`,
);
console.log('mode                    counter ops/s   ledger ops/s   ratio (counter/ledger)');
for (const [name, r] of [
  ['sequential (c=1)', sequential],
  [`concurrent (c=${CONCURRENCY})`, concurrent],
]) {
  console.log(
    `${name.padEnd(24)}${fmt(r.counter)}       ${fmt(r.ledger)}       ${(r.counter / r.ledger).toFixed(2)}×`,
  );
}
console.log(`\nlatency per call from Node (ms)   p50      p99`);
for (const kind of ['counter', 'ledger'])
  console.log(`${kind.padEnd(33)}${ms(latencies[kind].p50)}  ${ms(latencies[kind].p99)}`);
console.log(
  `\nA ledger write costs ${(sequential.counter / sequential.ledger).toFixed(2)}× a bare counter write (sequential throughput ratio, same run).`,
);

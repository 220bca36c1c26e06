// `npm run bench`: the foundation's figures from one run, each also as a
// ratio to a bare Worker route served by the same workerd build.
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../scripts/workers.mjs';
import { measure, printTable, startBare, startSystem } from './harness.mjs';

const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const duration_ms = Number(process.env.BENCH_DURATION_MS ?? 4000);
const options = { concurrency, duration_ms };

const bare = await startBare();
const system = await startSystem();
try {
  const products = await (await fetch(`${system.url}/v1/products?limit=1`)).json();
  const productId = products.items[0].id;
  // Warm the product cache so the scenario measures the cached read.
  await fetch(`${system.url}/v1/products/${productId}`);

  const results = [];
  results.push(await measure('bare worker route', () => fetch(`${bare.url}/`), options));
  results.push(await measure('gateway GET /health', () => fetch(`${system.url}/health`), options));
  results.push(
    await measure(
      'cached product read',
      () => fetch(`${system.url}/v1/products/${productId}`),
      options,
    ),
  );
  results.push(
    await measure(
      'inventory read (shard leader)',
      () => fetch(`${system.url}/v1/inventory/MRD-TEE-001?region=us`),
      options,
    ),
  );
  const [baseline] = results;
  console.log(
    `\nMeridian bench — Miniflare direct, concurrency ${concurrency}, ${duration_ms} ms per scenario, ${new Date().toISOString()}`,
  );
  printTable(results, baseline);
  const out = path.join(root, '.build', 'bench-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ concurrency, duration_ms, results }, null, 2));
} finally {
  await system.mf.dispose();
  await bare.mf.dispose();
}

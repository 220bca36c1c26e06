// Bundles every worker with esbuild into .build/<name>/index.js: what the
// Vitest auxiliary workers and the Miniflare bench load. (Deploys bundle
// through wrangler itself; see scripts/deploy-check.mjs.)
import path from 'node:path';
import { build } from 'esbuild';
import { root, WORKERS } from './workers.mjs';

export const bundlePath = (worker) => path.join(root, '.build', worker.name, 'index.js');

export async function buildWorkers(workers = WORKERS) {
  await Promise.all(
    workers.map((worker) =>
      build({
        entryPoints: [worker.entry],
        outfile: bundlePath(worker),
        bundle: true,
        format: 'esm',
        platform: 'neutral',
        target: 'es2024',
        conditions: ['workerd', 'worker', 'browser'],
        mainFields: ['browser', 'module', 'main'],
        external: ['cloudflare:*', 'node:*'],
        // WebAssembly is imported precompiled (Workers refuse to compile it
        // at run time): the file goes beside the bundle and Miniflare loads
        // it as a CompiledWasm module (scripts/miniflare.mjs).
        loader: { '.wasm': 'copy' },
        assetNames: '[name]',
        tsconfig: path.join(root, 'tsconfig.json'),
        sourcemap: 'linked',
        logLevel: 'warning',
      }),
    ),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  await buildWorkers();
  console.log(`built ${WORKERS.length} workers in ${Date.now() - started} ms`);
}

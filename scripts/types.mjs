// Generates each worker's Env type with `wrangler types` (never written by
// hand). `--check` fails when a wrangler.toml changed without regenerating.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, childEnv, root, WORKERS } from './workers.mjs';

/** The workers a service worker binds with `[[services]]` (their configs type its RPC stubs). */
function boundWorkers(worker) {
  const toml = fs.readFileSync(worker.config, 'utf8');
  const names = [...toml.matchAll(/^\s*service\s*=\s*"meridian-([a-z]+)"/gm)].map((m) => m[1]);
  return WORKERS.filter((w) => w !== worker && names.includes(w.name));
}

const check = process.argv.includes('--check');
const rel = (p) => path.relative(root, p);
let stale = 0;
for (const worker of WORKERS) {
  // Workers that call others over service bindings get typed RPC stubs by
  // passing the bound workers' configs as secondary configs.
  // Secondary configs let wrangler type what a worker binds in another worker:
  // the gateway's service bindings (typed RPC stubs), and Durable Objects that
  // services use from the gateway by script_name (the fault registry).
  // A service that binds another service (payments → identity) gets that config too.
  const extra =
    worker.name === 'gateway'
      ? WORKERS.slice(1).flatMap((w) => ['-c', rel(w.config)])
      : [WORKERS[0], ...boundWorkers(worker)].flatMap((w) => ['-c', rel(w.config)]);
  const args = [
    'types',
    '-c',
    rel(worker.config),
    ...extra,
    '--env-interface',
    worker.envInterface,
    '--include-runtime=false',
    '--strict-vars=false',
    ...(check ? ['--check'] : []),
    rel(worker.typesFile),
  ];
  try {
    execFileSync(bin('wrangler'), args, {
      cwd: root,
      stdio: check ? 'pipe' : 'inherit',
      env: childEnv(),
    });
  } catch (error) {
    if (!check) throw error;
    stale++;
    console.error(`✗ ${worker.name}: ${worker.typesFile} is out of date; run npm run types`);
  }
}
if (stale) process.exit(1);
if (check) console.log('worker types are up to date');

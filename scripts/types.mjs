// Generates each worker's Env type with `wrangler types` (never written by
// hand). `--check` fails when a wrangler.toml changed without regenerating.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { bin, childEnv, root, WORKERS } from './workers.mjs';

const check = process.argv.includes('--check');
const rel = (p) => path.relative(root, p);

/** The workers `worker` binds as services (`[[services]]`), by their configured name. */
function boundWorkers(worker) {
  const config = unstable_readConfig({ config: worker.config }, { hideWarnings: true });
  const names = new Set((config.services ?? []).map((s) => s.service));
  return WORKERS.filter((w) => w !== worker && names.has(`meridian-${w.name}`));
}

let stale = 0;
for (const worker of WORKERS) {
  // Secondary configs let wrangler type what a worker binds in another worker:
  // service bindings (typed RPC stubs: the gateway's, the orders saga's direct
  // calls), and Durable Objects that services use from the gateway by
  // script_name (the fault registry).
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

// The local system: D1 migrations applied, demo data seeded, every worker
// served by one `wrangler dev` session (service bindings, Durable Objects,
// queues, D1 and KV wired as in production). Used by `npm run dev` and by the
// end-to-end tests.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { readDevVars } from './miniflare.mjs';
import { catalogSeedSql, seedAdmin, seedStock } from './seed.mjs';
import { bin, childEnv, root, SERVICE_WORKERS, WORKERS } from './workers.mjs';

/** The databases of each worker, read from its wrangler.toml by wrangler itself. */
async function databasesOf(worker) {
  const { unstable_readConfig } = await import('wrangler');
  const config = unstable_readConfig({ config: worker.config }, { hideWarnings: true });
  return (config.d1_databases ?? []).map((d) => d.database_name);
}

function wrangler(args, options = {}) {
  return execFileSync(bin('wrangler'), args, {
    cwd: root,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    ...options,
  });
}

/** Secret names a worker's wrangler.toml requires (`[secrets] required`). */
async function requiredSecrets(worker) {
  const { unstable_readConfig } = await import('wrangler');
  const config = unstable_readConfig({ config: worker.config }, { hideWarnings: true });
  return config.secrets?.required ?? [];
}

const GENERATED =
  '# Generated from the root .dev.vars by scripts/local.mjs: edit that file instead.';

/**
 * The root .dev.vars is the one file developers edit: created from
 * .dev.vars.example on first start, and given any key the example gained
 * since. `wrangler dev -c … -c …` reads a .dev.vars beside each worker's
 * config, so every service worker gets one with the secrets it requires.
 */
export async function ensureDevVars() {
  const example = path.join(root, '.dev.vars.example');
  const target = path.join(root, '.dev.vars');
  if (!fs.existsSync(target)) {
    fs.copyFileSync(example, target);
    console.log('created .dev.vars from .dev.vars.example');
  } else {
    const have = readDevVars(target);
    const wanted = readDevVars(example);
    const missing = Object.keys(wanted).filter((k) => !(k in have));
    if (missing.length) {
      const lines = missing.map((k) => `${k}=${wanted[k]}`).join('\n');
      fs.appendFileSync(target, `\n# Added from .dev.vars.example\n${lines}\n`);
      console.log(`added ${missing.join(', ')} to .dev.vars`);
    }
  }
  const secrets = readDevVars(target);
  for (const worker of SERVICE_WORKERS) {
    const file = path.join(root, worker.dir, '.dev.vars');
    const required = await requiredSecrets(worker);
    if (!required.length) continue;
    const absent = required.filter((k) => !(k in secrets));
    if (absent.length)
      throw new Error(`.dev.vars lacks ${absent.join(', ')} (see .dev.vars.example)`);
    const lines = required.map((k) => `${k}=${secrets[k]}`);
    fs.writeFileSync(file, `${GENERATED}\n${lines.join('\n')}\n`, { mode: 0o600 });
  }
  return secrets;
}

export async function applyMigrations(persistTo) {
  for (const worker of WORKERS) {
    for (const database of await databasesOf(worker)) {
      wrangler(
        [
          'd1',
          'migrations',
          'apply',
          database,
          '--local',
          '-c',
          worker.config,
          '--persist-to',
          persistTo,
        ],
        {
          env: childEnv({ CI: 'true' }),
        },
      );
      console.log(`migrations applied: ${database}`);
    }
  }
}

export function seedCatalog(persistTo) {
  const file = path.join(persistTo, 'seed-catalog.sql');
  fs.mkdirSync(persistTo, { recursive: true });
  fs.writeFileSync(file, catalogSeedSql());
  const catalog = WORKERS.find((w) => w.name === 'catalog');
  wrangler([
    'd1',
    'execute',
    'meridian-catalog',
    '--local',
    '-c',
    catalog.config,
    '--persist-to',
    persistTo,
    '--file',
    file,
  ]);
  console.log('seeded catalog products');
}

/**
 * wrangler runs in its own process group so that stopping it also stops its
 * workerd processes; whatever ends this process (Ctrl-C, a SIGTERM to our
 * group, a crash during seeding) stops those groups too.
 */
const running = new Set();
let cleanupInstalled = false;
function stopAllOnExit() {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const child of running) stopSystem(child);
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => process.exit(signal === 'SIGINT' ? 130 : 143));
  }
}

/** Starts every worker in one `wrangler dev` session; resolves once /health answers. */
export async function startSystem({ port = 8787, persistTo, vars = {}, log = 'inherit' }) {
  const args = ['dev', ...WORKERS.flatMap((w) => ['-c', w.config])];
  args.push('--port', String(port), '--ip', '127.0.0.1', '--persist-to', persistTo);
  args.push('--inspector-port', String(port + 10000), '--show-interactive-dev-session=false');
  for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`);
  const child = spawn(bin('wrangler'), args, {
    cwd: root,
    env: childEnv(),
    stdio: log === 'inherit' ? ['ignore', 'inherit', 'inherit'] : ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  stopAllOnExit();
  running.add(child);
  child.on('exit', () => running.delete(child));
  const output = [];
  if (log !== 'inherit') {
    child.stdout.on('data', (d) => output.push(String(d)));
    child.stderr.on('data', (d) => output.push(String(d)));
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`wrangler dev exited (${child.exitCode}):\n${output.join('')}`);
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return { child, url, output, stop: () => stopSystem(child) };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  stopSystem(child);
  throw new Error(`the local system did not answer /health within 120 s:\n${output.join('')}`);
}

export function stopSystem(child) {
  if (child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}

/** Migrations, products, system up, stock and admin seeded: the whole local system. */
export async function bootLocalSystem({ port, persistTo, vars, log }) {
  const secrets = await ensureDevVars();
  await applyMigrations(persistTo);
  seedCatalog(persistTo);
  const system = await startSystem({ port, persistTo, vars, log });
  await seedStock(system.url, secrets.ADMIN_API_KEY);
  console.log('seeded stock in every region');
  const admin = await seedAdmin(system.url, secrets);
  console.log(`admin ${secrets.ADMIN_EMAIL} ${admin.created ? 'created' : 'already present'}`);
  return system;
}

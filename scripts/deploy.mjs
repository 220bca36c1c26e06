// `npm run deploy`: a gradual deployment of every worker. Uploads each as a
// new version (`wrangler versions upload`, services before the gateway), then
// moves traffic in steps (10 % → 50 % → 100 % by default) with
// `wrangler versions deploy`, watching the new gateway version's health and
// error rate (its /metrics, reached through version overrides) at each step,
// and rolls everything back at the first unhealthy check.
// `npm run deploy -- --plan` prints what it would do, without an account.
// docs/operations.md explains the rollout, the checks and version affinity.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, planText, UsageError } from './deploy/plan.mjs';
import { runDeploy, wranglerRunner } from './deploy/run.mjs';
import { readDevVars } from './miniflare.mjs';
import { readConfigs } from './production-check.mjs';
import { root, WORKERS } from './workers.mjs';

function gitTag() {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: root,
      encoding: 'utf8',
    });
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
    return `${sha.trim()}${dirty.trim() ? '-dirty' : ''}`;
  } catch {
    return 'untagged';
  }
}

/**
 * deploy-check's production mode (scripts/production-check.mjs): refuses
 * development secrets and keys, the dev API key, ENVIRONMENT other than
 * production, sandbox deposits on and workers_dev not false.
 */
function preflight(secrets) {
  // The rules only: wrangler versions upload bundles and validates each worker itself.
  const args = ['scripts/deploy-check.mjs', '--production', '--no-dry-run', '--secrets', secrets];
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) console.error('\nrefusing to deploy: fix the above first');
  return result.status === 0;
}

/** One JSON file per worker with the secrets its wrangler.toml requires, for its upload. */
function secretFiles(secretsPath, scratch) {
  const secrets = readDevVars(path.resolve(secretsPath));
  const configs = readConfigs();
  return (worker) => {
    const required = configs.find((c) => c.worker === worker.name)?.config?.secrets?.required;
    const file = path.join(scratch, `${worker.name}.json`);
    const values = Object.fromEntries((required ?? []).map((key) => [key, secrets[key]]));
    fs.writeFileSync(file, JSON.stringify(values), { mode: 0o600 });
    return file;
  };
}

let options;
try {
  options = parseArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(error.message);
  process.exit(2);
}
options.tag ??= gitTag();
options.message ??= `meridian ${options.tag}`;

if (options.plan) {
  console.log(planText(options, WORKERS, root).join('\n'));
  process.exit(0);
}
if (!options.secrets) {
  console.error('give the production secrets with --secrets <file> (KEY=value lines)');
  process.exit(2);
}
// Nothing is uploaded unless the deployment passes the production rules.
if (!options.skipCheck && !preflight(options.secrets)) process.exit(1);
const adminKey = process.env.ADMIN_API_KEY;
if (!options.url || !adminKey) {
  console.error(
    'a rollout watches the new version: give the gateway URL (--url or MERIDIAN_URL) and ADMIN_API_KEY (to read /metrics); --plan needs neither',
  );
  process.exit(2);
}
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-deploy-'));
let result;
try {
  result = await runDeploy(
    { ...options, root, workers: WORKERS, adminKey },
    {
      wrangler: wranglerRunner({ root }),
      fetchFn: fetch,
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      log: (line) => console.log(line),
      // Already passed above, before anything was read or uploaded.
      preflight: () => true,
      secretsFileFor: secretFiles(options.secrets, scratch),
    },
  );
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
process.exit(result.outcome === 'deployed' ? 0 : 1);

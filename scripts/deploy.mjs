// `npm run deploy`: a gradual deployment of every worker. Uploads each as a
// new version (`wrangler versions upload`, services before the gateway), then
// moves traffic in steps (10 % → 50 % → 100 % by default) with
// `wrangler versions deploy`, watching the new gateway version's health and
// error rate (its /metrics, reached through version overrides) at each step,
// and rolls everything back at the first unhealthy check.
// `npm run deploy -- --plan` prints what it would do, without an account.
// docs/operations.md explains the rollout, the checks and version affinity.
import { execFileSync, spawnSync } from 'node:child_process';
import { parseArgs, planText, UsageError } from './deploy/plan.mjs';
import { runDeploy, wranglerRunner } from './deploy/run.mjs';
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

/** deploy-check's production mode, when it has one: an older one ignores the flag and dry-runs. */
function preflight() {
  const result = spawnSync('node', ['scripts/deploy-check.mjs', '--production'], {
    cwd: root,
    stdio: 'inherit',
  });
  return result.status === 0;
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
const adminKey = process.env.ADMIN_API_KEY;
if (!options.url || !adminKey) {
  console.error(
    'a rollout watches the new version: give the gateway URL (--url or MERIDIAN_URL) and ADMIN_API_KEY (to read /metrics); --plan needs neither',
  );
  process.exit(2);
}
const result = await runDeploy(
  { ...options, root, workers: WORKERS, adminKey },
  {
    wrangler: wranglerRunner({ root }),
    fetchFn: fetch,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: (line) => console.log(line),
    preflight,
  },
);
process.exit(result.outcome === 'deployed' ? 0 : 1);

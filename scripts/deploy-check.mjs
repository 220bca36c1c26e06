// `npm run deploy:check`: `wrangler deploy --dry-run` for every worker
// (bundles each exactly as a deploy would and validates its configuration,
// without an account), and the API limit's vars against its binding.
//
// `npm run deploy:check -- --production --secrets <file>` also refuses what
// production must not carry (scripts/production-check.mjs): development
// secrets or keys, ENVIRONMENT other than "production", sandbox deposits on,
// workers_dev not false, a missing or too long token age.
//   --root <dir>   check the configs of another tree (fixtures)
//   --no-dry-run   only the rules, no bundling
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { consistencyProblems, productionProblems, readConfigs } from './production-check.mjs';
import { bin, childEnv, root, WORKERS } from './workers.mjs';

const { values } = parseArgs({
  options: {
    production: { type: 'boolean', default: false },
    secrets: { type: 'string' },
    root: { type: 'string', default: root },
    'no-dry-run': { type: 'boolean', default: false },
  },
});
const base = path.resolve(values.root);

const problems = values.production
  ? productionProblems({ base, secretsFile: values.secrets && path.resolve(values.secrets) })
  : consistencyProblems(readConfigs(base));
for (const problem of problems) console.error(`✗ ${problem}`);
if (values.production && !problems.length)
  console.log('✓ production: no development setting found');

let failed = problems.length;
if (!values['no-dry-run']) {
  for (const worker of WORKERS) {
    const outdir = path.join(root, '.build', 'deploy', worker.name);
    try {
      execFileSync(
        bin('wrangler'),
        [
          'deploy',
          '--dry-run',
          '--outdir',
          outdir,
          '-c',
          path.join(base, worker.dir, 'wrangler.toml'),
        ],
        { cwd: root, env: childEnv(), stdio: 'pipe' },
      );
      console.log(`✓ ${worker.name}: wrangler deploy --dry-run ok`);
    } catch (error) {
      failed++;
      console.error(
        `✗ ${worker.name}: wrangler deploy --dry-run failed\n${error.stdout ?? ''}${error.stderr ?? ''}`,
      );
    }
  }
}
process.exit(failed ? 1 : 0);

// `npm run deploy -- --secrets <file> [--dry-run]`: deploys every worker to
// production, services first and the gateway that binds them last, each with
// the secrets its wrangler.toml requires (from <file>, KEY=value lines).
// It refuses before touching anything when the deployment carries a
// development setting (scripts/production-check.mjs: the same rules as
// `npm run deploy:check -- --production`). With --dry-run it bundles and
// checks each worker without uploading.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readDevVars } from './miniflare.mjs';
import { productionProblems, readConfigs } from './production-check.mjs';
import { bin, childEnv, root, WORKERS } from './workers.mjs';

const { values } = parseArgs({
  options: {
    secrets: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const secretsFile = values.secrets && path.resolve(values.secrets);

const problems = productionProblems({ secretsFile });
if (problems.length) {
  for (const problem of problems) console.error(`✗ ${problem}`);
  console.error('\nrefusing to deploy: fix the above (npm run deploy:check -- --production)');
  process.exit(1);
}

const secrets = readDevVars(secretsFile);
const configs = readConfigs();
// Services first: the gateway binds them.
const order = [
  ...WORKERS.filter((w) => w.name !== 'gateway'),
  ...WORKERS.filter((w) => w.name === 'gateway'),
];
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-deploy-'));
try {
  for (const worker of order) {
    const { config } = configs.find((c) => c.worker === worker.name) ?? {};
    const required = config?.secrets?.required ?? [];
    const file = path.join(scratch, `${worker.name}.json`);
    fs.writeFileSync(
      file,
      JSON.stringify(Object.fromEntries(required.map((k) => [k, secrets[k]]))),
      {
        mode: 0o600,
      },
    );
    const args = ['deploy', '-c', worker.config, '--secrets-file', file];
    if (values['dry-run'])
      args.push('--dry-run', '--outdir', path.join(root, '.build', 'deploy', worker.name));
    execFileSync(bin('wrangler'), args, { cwd: root, env: childEnv(), stdio: 'inherit' });
    console.log(`✓ ${worker.name} ${values['dry-run'] ? 'checked (dry run)' : 'deployed'}`);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

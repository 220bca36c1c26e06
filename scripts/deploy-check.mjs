// `wrangler deploy --dry-run` for every worker: bundles each exactly as a
// deploy would and validates its configuration, without an account.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { bin, childEnv, root, WORKERS } from './workers.mjs';

let failed = 0;
for (const worker of WORKERS) {
  const outdir = path.join(root, '.build', 'deploy', worker.name);
  try {
    execFileSync(
      bin('wrangler'),
      ['deploy', '--dry-run', '--outdir', outdir, '-c', worker.config],
      {
        cwd: root,
        env: childEnv(),
        stdio: 'pipe',
      },
    );
    console.log(`✓ ${worker.name}: wrangler deploy --dry-run ok`);
  } catch (error) {
    failed++;
    console.error(
      `✗ ${worker.name}: wrangler deploy --dry-run failed\n${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
  }
}
process.exit(failed ? 1 : 0);

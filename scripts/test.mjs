// `npm test`: everything CI checks, in order, stopping at the first failure:
// generated types up to date, typecheck, lint, deploy dry-run, the workerd
// test projects (and the Node project of consistency/), a short consistency
// run, then the end-to-end tests against the local system.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, childEnv, root } from './workers.mjs';

const reports = path.join(root, '.build', 'reports');
// Counts come only from this run's reports.
fs.rmSync(reports, { recursive: true, force: true });
fs.mkdirSync(reports, { recursive: true });

const steps = [
  ['worker types are current', 'node', ['scripts/types.mjs', '--check']],
  ['typecheck', bin('tsc'), ['-p', 'tsconfig.json']],
  ['typecheck (node side)', bin('tsc'), ['-p', 'tsconfig.node.json']],
  ['lint', bin('biome'), ['check', '--error-on-warnings', '.']],
  ['no import cycles', 'node', ['scripts/check-cycles.mjs']],
  ['migrations match the drizzle schemas', 'node', ['scripts/db-generate.mjs', '--check']],
  ['deploy dry-run', 'node', ['scripts/deploy-check.mjs']],
  [
    'workerd tests',
    bin('vitest'),
    [
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${path.join(reports, 'workerd.json')}`,
    ],
  ],
  // A short run of `npm run consistency` (the full run is the command):
  // linearizability checks of real histories, the control, staleness bounds.
  [
    'consistency (short run)',
    'node',
    ['consistency/run.mjs'],
    { CONSISTENCY_DURATION_MS: '4000', CONSISTENCY_STALENESS_TRIALS: '2' },
  ],
  [
    'end-to-end tests',
    bin('vitest'),
    [
      'run',
      '--config',
      'vitest.e2e.config.ts',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${path.join(reports, 'e2e.json')}`,
    ],
  ],
];

let passed = 0;
let failed = 0;
function count(file) {
  if (!fs.existsSync(file)) return;
  const report = JSON.parse(fs.readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
}

for (const [name, command, args, env = {}] of steps) {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const result = spawnSync(command, args, { cwd: root, env: childEnv(env), stdio: 'inherit' });
  console.log(
    `${result.status === 0 ? '✓' : '✗'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  if (result.status !== 0) {
    count(path.join(reports, 'workerd.json'));
    count(path.join(reports, 'e2e.json'));
    console.log(`\ntests: ${passed} passed, ${Math.max(failed, 1)} failed`);
    process.exit(result.status ?? 1);
  }
}
count(path.join(reports, 'workerd.json'));
count(path.join(reports, 'e2e.json'));
console.log(`\ntests: ${passed} passed, ${failed} failed`);

// `npm run db:generate`: drizzle-kit writes a new numbered migration into
// migrations/<database>/ for every database whose drizzle schema changed
// (review it, then commit it: migrations are append-only).
// `--check` (run by `npm test`) generates into a scratch copy instead and
// fails if any schema has a change that no migration holds yet.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { bin, childEnv, root } from './workers.mjs';

const configs = fs
  .readdirSync(path.join(root, 'drizzle'))
  .filter((f) => f.endsWith('.config.ts'))
  .map((f) => path.join('drizzle', f));
const check = process.argv.includes('--check');

/** The schema file and migrations folder a drizzle config names. */
function readConfig(file) {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const field = (name) => /['"]([^'"]+)['"]/.exec(text.split(`${name}:`)[1] ?? '')?.[1];
  return { schema: field('schema'), out: field('out') };
}

/** drizzle-kit's output; it can print an error and still exit 0, so both are checked. */
function generate(args) {
  const run = spawnSync(bin('drizzle-kit'), ['generate', ...args], {
    cwd: root,
    env: childEnv(),
    encoding: 'utf8',
  });
  if (run.status !== 0 || /\bError\b/.test(run.stderr)) {
    throw new Error(`drizzle-kit generate ${args.join(' ')} failed:\n${run.stderr}${run.stdout}`);
  }
  return run.stdout;
}

let drift = 0;
for (const file of configs) {
  if (!check) {
    process.stdout.write(`${file}: ${generate(['--config', file]).trim().split('\n').pop()}\n`);
    continue;
  }
  const { schema, out } = readConfig(file);
  if (!schema || !out) throw new Error(`${file}: cannot read schema and out`);
  // drizzle-kit takes `out` relative to the project (an absolute path breaks it).
  const scratch = path.join('.build', 'migrations-check', path.basename(out));
  fs.rmSync(path.join(root, scratch), { recursive: true, force: true });
  fs.cpSync(path.join(root, out), path.join(root, scratch), { recursive: true });
  generate(['--dialect', 'sqlite', '--schema', schema, '--out', scratch]);
  const added = fs
    .readdirSync(path.join(root, scratch))
    .filter((f) => !fs.existsSync(path.join(root, out, f)));
  fs.rmSync(path.join(root, scratch), { recursive: true, force: true });
  if (added.length) {
    drift++;
    console.error(`✗ ${schema} has changes no migration holds: run npm run db:generate`);
  } else {
    console.log(`✓ ${out} matches ${schema}`);
  }
}
process.exit(drift ? 1 : 0);

/**
 * The README's tour is a contract with a newcomer: its curl block runs, as
 * written, against the local system, and runs again (sign-up or log-in,
 * fresh idempotency keys). Only the base URL is pointed at the system these
 * tests boot.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const base = inject('baseUrl');

/** The first `sh` block under "## A tour with curl". */
function tourBlock(): string {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## A tour with curl'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no sh block under "## A tour with curl"');
  expect(block).toContain('B=http://localhost:8787\n');
  return block.replace('B=http://localhost:8787\n', `B=${base}\n`);
}

function runTour(script: string): string {
  return execFileSync('bash', ['-eu', '-c', script], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('the README tour', () => {
  it('runs as written, twice, and every step answers as the README says', () => {
    const script = tourBlock();
    for (const run of [1, 2]) {
      const out = runTour(script);
      expect(out, `run ${run}`).toContain('"status":"CONFIRMED"');
      expect(out, `run ${run}`).toMatch(/idempotent-replayed: true/i);
      expect(out, `run ${run}`).toContain('"transferId"');
      expect(out, `run ${run}`).toContain('"replica"');
      expect(out, `run ${run}`).toMatch(/"status":400/);
      expect(out, `run ${run}`).toMatch(/"status":405/);
      expect(out, `run ${run}`).not.toMatch(/"status":5\d\d/);
    }
  }, 300_000);
});

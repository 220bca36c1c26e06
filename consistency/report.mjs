// The run's report: one table on stdout, `.build/consistency.json`, and each
// failing partition's minimal sub-history as text beside it.
import fs from 'node:fs';
import path from 'node:path';
import { root } from '../scripts/workers.mjs';

export const BUILD_DIR = path.join(root, '.build');
export const FAILURES_DIR = path.join(BUILD_DIR, 'consistency');

/** Nearest-rank percentile of numbers. */
export function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const slug = (text) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/** Writes one failing sub-history; returns its path relative to the repository. */
export function writeFailure(check, key, text) {
  fs.mkdirSync(FAILURES_DIR, { recursive: true });
  const file = path.join(FAILURES_DIR, `${slug(check)}.${slug(key) || 'all'}.txt`);
  fs.writeFileSync(file, `${text}\n`);
  return path.relative(root, file);
}

const pad = (value, width, right = false) => {
  const text = String(value);
  return right ? text.padStart(width) : text.padEnd(width);
};

export function printReport({ checks, staleness }) {
  const verdict = (c) => (c.linearizable === 'unknown' ? 'unknown' : c.linearizable ? 'yes' : 'no');
  const w = Math.max(...checks.map((c) => c.name.length), 5);
  console.log(
    `\n| ${pad('check', w)} | operations | clients | faults | linearizable | expected | pass |`,
  );
  console.log(
    `| ${'-'.repeat(w)} | ---------: | ------: | -----: | :----------- | :------- | :--- |`,
  );
  for (const c of checks) {
    console.log(
      `| ${pad(c.name, w)} | ${pad(c.operations, 10, true)} | ${pad(c.clients, 7, true)} | ${pad(c.faults, 6, true)} | ${pad(verdict(c), 12)} | ${pad(c.expected ? 'yes' : 'no', 8)} | ${c.pass ? 'ok' : 'FAIL'} |`,
    );
  }
  const s = Math.max(...staleness.map((r) => r.name.length), 4);
  console.log(`\n| ${pad('eventual read', s)} | bound ms | p50 ms | p99 ms | trials | within |`);
  console.log(`| ${'-'.repeat(s)} | -------: | -----: | -----: | -----: | :----- |`);
  for (const r of staleness) {
    console.log(
      `| ${pad(r.name, s)} | ${pad(r.bound_ms, 8, true)} | ${pad(r.observed_p50_ms, 6, true)} | ${pad(r.observed_p99_ms, 6, true)} | ${pad(r.trials, 6, true)} | ${r.within ? 'yes' : 'NO'} |`,
    );
  }
  for (const c of checks.filter((x) => x.failures.length > 0)) {
    console.log(`\n${c.name}: minimal failing sub-histories in ${c.failures.join(', ')}`);
  }
}

export function writeReport(report) {
  fs.mkdirSync(BUILD_DIR, { recursive: true });
  const file = path.join(BUILD_DIR, 'consistency.json');
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return path.relative(root, file);
}

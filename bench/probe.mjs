// What a result's window cost: CPU time of the workerd process (every
// isolate, the runtime, SQLite) and of this Node process (the load generator
// and Miniflare's Node side), read around the window; with a profiler, the
// CPU profile of every isolate over the same window (./profile.mjs).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { printSummaries, writeProfiles } from './profile.mjs';

const TICKS_PER_S =
  Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** The workerd process that Miniflare started (a child of this process), or null. */
export function workerdPid() {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(fs.readFileSync(`/proc/${entry}/stat`, 'utf8'));
      if (m?.[1] === 'workerd' && Number(m[2]) === process.pid) return Number(entry);
    } catch {
      // The process ended while we looked.
    }
  }
  return null;
}

/** User + system CPU time of a process so far, in ms (NaN when it cannot be read). */
function processCpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
  } catch {
    return Number.NaN;
  }
}

const nodeCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * A probe for `measure`: `cpu_ms` ({ workerd, node }) over each window, and
 * with `profiler` (./profile.mjs) the window's profiles under `profileDir/<id>`
 * (emptied first).
 */
export function createProbe({ pid, profiler = null, profileDir }) {
  let start;
  // A floor is measured more than once: its second window is <id>.2, and so on.
  const seen = new Map();
  if (profiler) fs.rmSync(profileDir, { recursive: true, force: true });
  return {
    async begin() {
      start = { workerd: processCpuMs(pid), node: nodeCpuMs() };
      if (profiler) await profiler.start();
    },
    async end(id) {
      const cpu_ms = {
        workerd: processCpuMs(pid) - start.workerd,
        node: Number((nodeCpuMs() - start.node).toFixed(1)),
      };
      if (!profiler) return { cpu_ms };
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      const name = n === 1 ? id : `${id}.${n}`;
      const dir = path.join(profileDir, name);
      printSummaries(name, writeProfiles(dir, await profiler.stop()));
      return { cpu_ms, profile: dir };
    },
  };
}

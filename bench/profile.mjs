// CPU profiles of workerd's isolates, through its inspector (Chrome DevTools
// Protocol), for `BENCH_PROFILE=… npm run bench`: each result's window is
// profiled in the chosen isolates (`1`: every worker and Miniflare's queue
// broker; or a comma-separated list of inspector targets, e.g.
// `meridian-gateway,queues:queue,d1:db`), written to
// .build/profiles/<id>/<target>.cpuprofile (open them in Chrome DevTools) and
// summarised: where each isolate's JavaScript time went, by source module
// (from the `// path` comments esbuild puts before each module of a bundle)
// and by function. Every isolate runs on workerd's one thread, so a sample
// outside JavaScript ("(program)": the runtime, another isolate, waiting) is
// not this isolate's work: it is left out of `busy_ms`. Profiling slows
// every isolate several times: a profiled run's figures are not the bench's.
//
//   node bench/profile.mjs .build/profiles/gateway-chain [--json]   # summarise again
//   (while .build still holds the bundles that were profiled: lines map to modules through them)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from '../scripts/workers.mjs';

/** `BENCH_PROFILE=1`: every worker and the queue broker (Miniflare's simulator on the saga's path). */
const DEFAULT_TARGETS = /^(core:user:|queues:queue$)/;
const SAMPLING_INTERVAL_US = 500;
const targetName = (id) => id.replace(/^core:user:/, '');

/** One DevTools session per target isolate. */
async function connect(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    ws.addEventListener('error', reject, { once: true });
  });
  let next = 1;
  const pending = new Map();
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data));
    const waiter = pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(`${url}: ${message.error.message}`));
    else waiter.resolve(message.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/**
 * Opens a session on each chosen isolate (`choice`: "1" or a list of target
 * names); `start()`, then `stop()` resolves with their profiles by name.
 */
export async function openProfiler(inspector, choice = '1') {
  const base = new URL(inspector);
  const targets = await (await fetch(`http://${base.host}/json/list`)).json();
  const named = choice === '1' ? null : new Set(choice.split(','));
  const chosen = targets.filter((t) =>
    named ? named.has(targetName(t.id)) : DEFAULT_TARGETS.test(t.id),
  );
  if (named && chosen.length !== named.size)
    throw new Error(
      `BENCH_PROFILE: targets are ${targets.map((t) => targetName(t.id)).join(', ')}`,
    );
  const sessions = await Promise.all(
    chosen.map(async (t) => ({
      name: targetName(t.id),
      session: await connect(t.webSocketDebuggerUrl),
    })),
  );
  for (const { session } of sessions) {
    await session.send('Profiler.enable');
    await session.send('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  }
  return {
    start: () => Promise.all(sessions.map(({ session }) => session.send('Profiler.start'))),
    stop: async () =>
      Object.fromEntries(
        await Promise.all(
          sessions.map(async ({ name, session }) => [
            name,
            (await session.send('Profiler.stop')).profile,
          ]),
        ),
      ),
    close: () => {
      for (const { session } of sessions) session.close();
    },
  };
}

const bundleIndexes = new Map();

/** For a bundle: the source module of each line (esbuild's `// path` comments). */
function moduleOf(url, line) {
  if (!url) return '(native)';
  if (!url.includes('.build/')) return url.replace(/^.*\//, '');
  let index = bundleIndexes.get(url);
  if (!index) {
    // Miniflare names a bundle by its path from the modules root (the repository).
    const file = url.startsWith('file:') ? fileURLToPath(url) : path.resolve(root, url);
    const lines = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
    index = [];
    lines.forEach((text, i) => {
      const m = /^\/\/ ((?:node_modules|src|common|workers|bench)\/\S+)$/.exec(text);
      if (m) index.push([i, m[1]]);
    });
    bundleIndexes.set(url, index);
  }
  let found = '(bundle)';
  for (const [start, name] of index) {
    if (start > line) break;
    found = name;
  }
  // A package counts as one module: node_modules/hono/dist/… → hono.
  return found.replace(/^node_modules\/((?:@[^/]+\/)?[^/]+)\/.*$/, '$1');
}

/**
 * Where an isolate's samples went: by module and by function (self, and
 * inclusive of callees), as shares of its busy samples. A sampler records
 * only while its isolate is the one running on workerd's thread, so sample
 * counts (not the time between samples, which includes other isolates' turns)
 * measure an isolate's work, and compare across isolates of one window.
 * "(program)" samples are the runtime working for this isolate (bindings,
 * RPC, storage); "(idle)" ones are not work.
 */
export function summarise(profile, top = 12) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (n) => {
    const f = n.callFrame;
    if (!f.url) return f.functionName || '(anonymous)';
    return `${f.functionName || '(anonymous)'} ${moduleOf(f.url, f.lineNumber)}:${f.lineNumber + 1}`;
  };
  const add = (map, k) => map.set(k, (map.get(k) ?? 0) + 1);
  const self = new Map();
  const inclusive = new Map();
  const modules = new Map();
  let busy = 0;
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node || ['(idle)', '(root)'].includes(node.callFrame.functionName)) continue;
    busy++;
    const k = key(node);
    add(self, k);
    add(modules, node.callFrame.url ? moduleOf(node.callFrame.url, node.callFrame.lineNumber) : k);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const kk = key(byId.get(at));
      if (!seen.has(kk) && kk !== '(root)') add(inclusive, kk);
      seen.add(kk);
    }
  }
  const ranked = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, n]) => ({ name, pct: Number(((100 * n) / Math.max(1, busy)).toFixed(1)) }));
  return {
    samples: profile.samples.length,
    busy_samples: busy,
    modules: ranked(modules),
    self: ranked(self),
    inclusive: ranked(inclusive),
  };
}

/** Writes each isolate's profile and returns the summaries of the busy ones. */
export function writeProfiles(dir, profiles) {
  fs.mkdirSync(dir, { recursive: true });
  const summaries = {};
  for (const [name, profile] of Object.entries(profiles)) {
    fs.writeFileSync(
      path.join(dir, `${name.replace(/[^\w.-]/g, '_')}.cpuprofile`),
      JSON.stringify(profile),
    );
    const summary = summarise(profile);
    if (summary.busy_samples > 0) summaries[name] = summary;
  }
  fs.writeFileSync(path.join(dir, 'summary.json'), `${JSON.stringify(summaries, null, 2)}\n`);
  return summaries;
}

/** Prints the summaries, busiest isolate first, with each one's share of the window's busy samples. */
export function printSummaries(id, summaries) {
  const entries = Object.entries(summaries).sort((a, b) => b[1].busy_samples - a[1].busy_samples);
  const all = entries.reduce((sum, [, s]) => sum + s.busy_samples, 0);
  console.log(`  profile of ${id}: busy samples per isolate (share of all isolates')`);
  const list = (items) =>
    items
      .slice(0, 6)
      .map((e) => `${e.name} ${e.pct}%`)
      .join('; ');
  for (const [name, s] of entries) {
    const share = ((100 * s.busy_samples) / Math.max(1, all)).toFixed(0);
    console.log(`    ${name}: ${s.busy_samples} (${share}%)`);
    console.log(`      modules:   ${list(s.modules)}`);
    console.log(`      inclusive: ${list(s.inclusive)}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node bench/profile.mjs <profile directory>');
  const profiles = Object.fromEntries(
    fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => [
        f.replace(/\.cpuprofile$/, ''),
        JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')),
      ]),
  );
  const summaries = Object.fromEntries(
    Object.entries(profiles)
      .map(([name, p]) => [name, summarise(p, 25)])
      .filter(([, s]) => s.busy_samples > 0),
  );
  if (process.argv.includes('--json')) console.log(JSON.stringify(summaries, null, 2));
  else printSummaries(path.basename(dir), summaries);
}

// Miniflare options for the whole system, derived from each worker's
// wrangler.toml (bindings, Durable Objects, queues, D1, KV) plus its bundle.
// Used by the Vitest auxiliary workers and by the bench, so both run the
// system exactly as configured.
import fs from 'node:fs';
import path from 'node:path';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { bundlePath } from './build.mjs';
import { root, WORKERS } from './workers.mjs';

/** Parses a .dev.vars-style file into an object (missing file: {}). */
export function readDevVars(file = path.join(root, '.dev.vars.example')) {
  if (!fs.existsSync(file)) return {};
  const vars = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return vars;
}

/**
 * @param {object} opts
 * @param {Record<string, Record<string, string>>} [opts.vars] per-worker var overrides
 * @param {Record<string,string>} [opts.secrets] secrets given to workers that require them
 */
export function workerOptions(worker, { vars = {}, secrets = readDevVars() } = {}) {
  const config = unstable_readConfig({ config: worker.config }, { hideWarnings: true });
  const { workerOptions: options } = unstable_getMiniflareWorkerOptions(config);
  const required = config.secrets?.required ?? [];
  const workerSecrets = Object.fromEntries(
    required.filter((k) => k in secrets).map((k) => [k, secrets[k]]),
  );
  // A bundle needs no module rules; Miniflare 5 refuses them alongside scriptPath.
  // Module paths must stay inside the modules root, so root both at the repo.
  const { modulesRules: _rules, ...rest } = options;
  const overrides = vars[worker.name] ?? {};
  return {
    ...rest,
    ratelimits: sizedRateLimits(rest.ratelimits, overrides),
    rootPath: root,
    modulesRoot: root,
    name: config.name,
    ...bundleModules(worker),
    bindings: { ...options.bindings, ...workerSecrets, ...overrides },
  };
}

/**
 * The API limit's Rate Limiting binding follows a RATE_LIMIT_API_CAPACITY
 * override (the var says what the headers report; the binding enforces):
 * tests and the bench send every request from one client and run deeper.
 */
function sizedRateLimits(ratelimits, overrides) {
  const limit = Number(overrides.RATE_LIMIT_API_CAPACITY);
  if (!ratelimits?.API_RATE_LIMITER || !Number.isInteger(limit) || limit <= 0) return ratelimits;
  const api = ratelimits.API_RATE_LIMITER;
  return { ...ratelimits, API_RATE_LIMITER: { ...api, simple: { ...api.simple, limit } } };
}

/**
 * The bundle as Miniflare modules: the entry, plus the WebAssembly files the
 * build copied beside it (imported as precompiled modules, as Workers require).
 */
function bundleModules(worker) {
  const entry = bundlePath(worker);
  const dir = path.dirname(entry);
  const wasm = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.wasm')) : [];
  if (!wasm.length) return { modules: true, scriptPath: entry };
  return {
    modules: [
      { type: 'ESModule', path: entry },
      ...wasm.map((f) => ({ type: 'CompiledWasm', path: path.join(dir, f) })),
    ],
  };
}

export function systemWorkerOptions(opts = {}) {
  return WORKERS.map((w) => workerOptions(w, opts));
}

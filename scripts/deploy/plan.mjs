// The gradual deployment's decisions, as pure functions: the options, the
// order of the workers, the wrangler commands of each step, how a /metrics
// scrape becomes an error rate, and the verdict on a check. scripts/deploy.mjs
// prints them (--plan) or carries them out (scripts/deploy/run.mjs).
import path from 'node:path';

export const GATEWAY_SCRIPT = 'meridian-gateway';

export const DEFAULTS = Object.freeze({
  /** Percent of traffic on the new version at each step; the last must be 100. */
  steps: [10, 50, 100],
  /** How long each step is watched before the next. */
  wait_s: 300,
  /** How often, within a step, the new version is checked. */
  checkEvery_s: 30,
  /** Above this share of 5xx among the new version's requests, roll back. */
  maxErrorRate: 0.02,
  /** Fewer requests than this in a check say nothing about the error rate. */
  minRequests: 20,
});

const USAGE = `usage: npm run deploy -- [--plan] [--url <gateway URL>] [--steps 10,50,100]
  [--wait-s 300] [--check-every-s 30] [--max-error-rate 0.02] [--min-requests 20]
  [--tag <tag>] [--message <text>] [--skip-check] --secrets <file>
Without --plan: needs the production secrets (--secrets, KEY=value lines: checked by
deploy-check --production, then uploaded with each worker's version), wrangler
credentials (CLOUDFLARE_API_TOKEN), the gateway's public URL (--url or MERIDIAN_URL)
and ADMIN_API_KEY to read /metrics.`;

export class UsageError extends Error {}

function number(flag, raw, { min, max, integer = false }) {
  const value = Number(raw);
  if (raw === undefined || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a number in [${min}, ${max}]\n${USAGE}`);
  }
  if (integer && !Number.isInteger(value)) throw new UsageError(`${flag} must be an integer`);
  return value;
}

function steps(raw) {
  const list = String(raw ?? '')
    .split(',')
    .map((s) => number('--steps', s.trim(), { min: 1, max: 100, integer: true }));
  const rising = list.every((p, i) => i === 0 || p > (list[i - 1] ?? 0));
  if (list.length === 0 || !rising || list.at(-1) !== 100) {
    throw new UsageError('--steps must rise and end at 100, e.g. 10,50,100');
  }
  return list;
}

/** Options from the command line (and MERIDIAN_URL), over DEFAULTS. */
export function parseArgs(argv, env = process.env) {
  const options = { ...DEFAULTS, plan: false, skipCheck: false, url: env.MERIDIAN_URL };
  const args = [...argv];
  while (args.length > 0) {
    const flag = args.shift();
    const value = () => {
      if (args.length === 0) throw new UsageError(`${flag} needs a value\n${USAGE}`);
      return args.shift();
    };
    if (flag === '--plan') options.plan = true;
    else if (flag === '--skip-check') options.skipCheck = true;
    else if (flag === '--url') options.url = value();
    else if (flag === '--secrets') options.secrets = value();
    else if (flag === '--steps') options.steps = steps(value());
    else if (flag === '--wait-s') options.wait_s = number(flag, value(), { min: 0, max: 86_400 });
    else if (flag === '--check-every-s')
      options.checkEvery_s = number(flag, value(), { min: 0, max: 3600 });
    else if (flag === '--max-error-rate')
      options.maxErrorRate = number(flag, value(), { min: 0, max: 1 });
    else if (flag === '--min-requests')
      options.minRequests = number(flag, value(), { min: 0, max: 1e9, integer: true });
    else if (flag === '--tag') options.tag = value();
    else if (flag === '--message') options.message = value();
    else if (flag === '--help' || flag === '-h') throw new UsageError(USAGE);
    else throw new UsageError(`unknown option ${flag}\n${USAGE}`);
  }
  if (options.url !== undefined) options.url = String(options.url).replace(/\/+$/, '');
  return options;
}

/** Upload and rollout order: services before the gateway that calls them. */
export function rolloutOrder(workers) {
  const gateway = workers.filter((w) => w.name === 'gateway');
  return [...workers.filter((w) => w.name !== 'gateway'), ...gateway];
}

/** Checks within one step: one every checkEvery_s over wait_s, at least one. */
export function checksPerStep({ wait_s, checkEvery_s }) {
  if (checkEvery_s <= 0) return 1;
  return Math.max(1, Math.floor(wait_s / checkEvery_s));
}

const config = (worker, root) => path.relative(root, worker.config) || worker.config;

export const commands = {
  status: (worker, root) => ['deployments', 'status', '--json', '-c', config(worker, root)],
  /** `secretsFile`: this worker's required secrets (JSON), uploaded with the version. */
  upload: (worker, root, { tag, message, secretsFile }) => [
    'versions',
    'upload',
    '-c',
    config(worker, root),
    '--tag',
    tag,
    '--message',
    message,
    ...(secretsFile ? ['--secrets-file', secretsFile] : []),
  ],
  /** `new@p% old@(100-p)%`, the new version always first so Durable Objects keep their version as p rises. */
  deploy: (worker, root, { newId, oldId, percent, message }) => [
    'versions',
    'deploy',
    `${newId}@${percent}%`,
    ...(percent < 100 ? [`${oldId}@${100 - percent}%`] : []),
    '-y',
    '-c',
    config(worker, root),
    '--message',
    message,
  ],
  rollback: (worker, root, { oldId, message }) => [
    'versions',
    'deploy',
    `${oldId}@100%`,
    '-y',
    '-c',
    config(worker, root),
    '--message',
    message,
  ],
};

/** `Cloudflare-Workers-Version-Overrides`: send a request to the new gateway version. */
export const versionOverride = (versionId) => `${GATEWAY_SCRIPT}="${versionId}"`;

/** Operators' own probes are not traffic: they would dilute the error rate. */
const PROBE_ROUTES = new Set(['/health', '/health/ready', '/metrics']);
const SERIES = /^meridian_http_requests_total\{([^}]*)\}\s+([0-9.eE+-]+)\s*$/;

function labels(text) {
  return Object.fromEntries(
    [...text.matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
  );
}

/**
 * Requests and 5xx answered by the scraped isolate, from the gateway's
 * `meridian_http_requests_total{method,route,status}` (Prometheus text).
 * Scraped through the version override, every count is the new version's.
 */
export function requestCounts(metricsText) {
  let requests = 0;
  let errors = 0;
  for (const line of metricsText.split('\n')) {
    const match = SERIES.exec(line.trim());
    if (!match) continue;
    const { route = '', status = '' } = labels(match[1] ?? '');
    if (PROBE_ROUTES.has(route)) continue;
    const count = Number(match[2]);
    if (!Number.isFinite(count)) continue;
    requests += count;
    if (/^5\d\d$/.test(status)) errors += count;
  }
  return { requests, errors };
}

/**
 * The verdict on one check of the new version: `unhealthy` (roll back) when
 * its health check failed or its error rate is above the threshold over at
 * least `minRequests` requests; `inconclusive` when it had fewer requests or
 * another version answered the check; else `healthy`. `confirmed` says the
 * new version itself answered.
 */
export function judge(check, { maxErrorRate, minRequests }) {
  if (check.health === 'failed') {
    const reason = `health check failed: ${check.detail ?? ''}`.trim();
    return { verdict: 'unhealthy', confirmed: false, reason };
  }
  if (check.health !== 'ok' || check.requests === undefined) {
    return {
      verdict: 'inconclusive',
      confirmed: false,
      reason: 'another version answered this check',
    };
  }
  const rate = check.requests > 0 ? check.errors / check.requests : 0;
  const shown = `${check.errors}/${check.requests} 5xx (${(rate * 100).toFixed(1)} %)`;
  if (check.requests < minRequests) {
    const reason = `${shown}: fewer than ${minRequests} requests`;
    return { verdict: 'inconclusive', confirmed: true, reason };
  }
  if (rate > maxErrorRate) {
    const reason = `${shown} > ${(maxErrorRate * 100).toFixed(1)} %`;
    return { verdict: 'unhealthy', confirmed: true, reason };
  }
  return { verdict: 'healthy', confirmed: true, reason: shown };
}

/**
 * After a step's checks: roll back at the first unhealthy one; else advance
 * (with a warning when no check saw enough traffic). At the last step the new
 * version must have answered at least one check itself: 100 % is never
 * declared done without having seen it work.
 */
export function decideStep(verdicts, { last }) {
  const unhealthy = verdicts.find((v) => v.verdict === 'unhealthy');
  if (unhealthy) return { action: 'rollback', reason: unhealthy.reason };
  if (last && !verdicts.some((v) => v.confirmed)) {
    return { action: 'rollback', reason: 'the new gateway version never answered a check' };
  }
  if (verdicts.some((v) => v.verdict === 'healthy')) return { action: 'advance' };
  return { action: 'advance', warning: 'no check saw enough traffic to judge the error rate' };
}

const shell = (args) =>
  args.map((a) => (/^[\w@%./:=,-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');

/** What a rollout will do, step by step, as printed by `npm run deploy -- --plan`. */
export function planText(options, workers, root) {
  const order = rolloutOrder(workers);
  const ids = (w) => ({ newId: `<new:${w.name}>`, oldId: `<old:${w.name}>` });
  const { tag, message, url } = options;
  const checks = checksPerStep(options);
  const lines = [
    `Gradual deployment of ${order.length} workers, tag ${tag}: ${options.steps.join(' % → ')} %`,
    `each step watched ${options.wait_s} s (${checks} check${checks > 1 ? 's' : ''}); roll back above ${(options.maxErrorRate * 100).toFixed(1)} % 5xx over ≥ ${options.minRequests} requests`,
    '',
    options.skipCheck
      ? '0. preflight skipped (--skip-check)'
      : `0. preflight: node scripts/deploy-check.mjs --production --no-dry-run --secrets ${options.secrets ?? '<file>'}`,
    '1. read each worker’s live version (<old:…>):',
    ...order.map((w) => `   wrangler ${shell(commands.status(w, root))}`),
    '2. upload a new version of each, services before the gateway (serves no traffic yet; any failure: stop, nothing deployed):',
    ...order.map((w) => `   wrangler ${shell(commands.upload(w, root, { tag, message }))}`),
  ];
  for (const [index, percent] of options.steps.entries()) {
    lines.push(`${index + 3}. ${percent} % of traffic on the new versions:`);
    for (const w of order) {
      lines.push(`   wrangler ${shell(commands.deploy(w, root, { ...ids(w), percent, message }))}`);
    }
    const every = checks > 1 ? `every ${options.checkEvery_s} s` : `after ${options.wait_s} s`;
    if (index > 0) {
      lines.push(`   then the same checks, ${every}, ${checks}×`);
      continue;
    }
    lines.push(
      `   then ${every}, ${checks}×: GET ${url ?? '<--url>'}/health and /metrics with`,
      `     Cloudflare-Workers-Version-Overrides: ${versionOverride('<new:gateway>')}`,
      '     health must answer 200 naming <new:gateway>; meridian_http_requests_total 5xx/all must stay under the threshold',
      '     unhealthy → roll back (below); too little traffic → next step (at 100 % the new version must have answered)',
    );
  }
  lines.push(
    'rollback (at the first unhealthy check or failed deploy), every moved worker, the gateway first:',
    ...[...order]
      .reverse()
      .map(
        (w) =>
          `   wrangler ${shell(commands.rollback(w, root, { oldId: `<old:${w.name}>`, message: `rollback: ${message}` }))}`,
      ),
  );
  return lines;
}

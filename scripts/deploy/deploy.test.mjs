// The gradual deployment's decisions, offline: a fake `wrangler` on PATH
// (fake-wrangler.mjs) records every call and answers as the real one would;
// a fake gateway answers /health and /metrics as the new version would.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { root, WORKERS } from '../workers.mjs';
import { decideStep, judge, parseArgs, requestCounts, UsageError } from './plan.mjs';
import { runDeploy, wranglerRunner } from './run.mjs';

// Services (in their listed order) before the gateway that calls them.
const ORDER = [...WORKERS.filter((w) => w.name !== 'gateway').map((w) => w.name), 'gateway'];
const dirs = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** A directory on PATH whose `wrangler` is the fake, with its scenario. */
function fakeWrangler(scenario = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-wrangler-'));
  dirs.push(dir);
  fs.copyFileSync(path.join(import.meta.dirname, 'fake-wrangler.mjs'), path.join(dir, 'wrangler'));
  fs.chmodSync(path.join(dir, 'wrangler'), 0o755);
  fs.writeFileSync(path.join(dir, 'scenario.json'), JSON.stringify(scenario));
  const env = {
    ...process.env,
    PATH: `${dir}${path.delimiter}${process.env.PATH}`,
    FAKE_WRANGLER_DIR: dir,
  };
  const calls = () =>
    fs.existsSync(path.join(dir, 'calls.jsonl'))
      ? fs
          .readFileSync(path.join(dir, 'calls.jsonl'), 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line))
      : [];
  return { env, calls };
}

const workerOf = (args) => {
  const config = args[args.indexOf('-c') + 1];
  return config === 'wrangler.toml' ? 'gateway' : path.basename(path.dirname(config));
};
const deploys = (calls) =>
  calls
    .filter((a) => a[0] === 'versions' && a[1] === 'deploy')
    .map((a) => `${workerOf(a)} ${a[2]}${a[3]?.endsWith('%') ? ` ${a[3]}` : ''}`);

function metricsText(ok, failed) {
  return [
    '# TYPE meridian_http_requests_total counter',
    `meridian_http_requests_total{method="GET",route="/v1/products",status="200"} ${ok}`,
    `meridian_http_requests_total{method="POST",route="/v1/orders",status="502"} ${failed}`,
    'meridian_http_requests_total{method="GET",route="/metrics",status="200"} 900',
    'meridian_http_requests_total{method="GET",route="/health",status="200"} 900',
  ].join('\n');
}

/** The new gateway version as the checks see it through the version override. */
function fakeGateway({ healthStatus = 200, ok = 990, failed = 10 } = {}) {
  return async (url, init) => {
    const override = init.headers['cloudflare-workers-version-overrides'] ?? '';
    const id = /"([^"]+)"/.exec(override)?.[1] ?? 'old-gateway';
    const headers = { 'x-meridian-version': id };
    if (url.endsWith('/health')) {
      return Response.json(
        { status: 'ok', version: { id, tag: 't' } },
        { status: healthStatus, headers },
      );
    }
    if (init.headers['x-api-key'] !== 'admin-key') return new Response('no', { status: 401 });
    return new Response(metricsText(ok, failed), { status: 200, headers });
  };
}

async function deploy(wrangler, gateway, overrides = {}) {
  const lines = [];
  const result = await runDeploy(
    {
      ...parseArgs(['--wait-s', '0', '--skip-check', '--url', 'https://api.example.test']),
      root,
      workers: WORKERS,
      tag: 'abc123',
      message: 'meridian abc123',
      adminKey: 'admin-key',
      ...overrides,
    },
    {
      wrangler: wranglerRunner({ root, env: wrangler.env }),
      fetchFn: gateway,
      sleep: async () => {},
      log: (line) => lines.push(line),
      preflight: async () => true,
    },
  );
  return { result, lines };
}

describe('npm run deploy (fake wrangler)', () => {
  it('all steps healthy: every worker ends at 100 % of its new version, services before the gateway', async () => {
    const wrangler = fakeWrangler();
    const { result } = await deploy(wrangler, fakeGateway());
    expect(result.outcome).toBe('deployed');
    const calls = wrangler.calls();
    const uploads = calls.filter((a) => a[1] === 'upload');
    expect(uploads.map(workerOf)).toEqual(ORDER);
    expect(uploads[0]).toEqual(expect.arrayContaining(['--tag', 'abc123']));
    const expected = [10, 50, 100].flatMap((p) =>
      ORDER.map((w) =>
        p < 100 ? `${w} new-${w}@${p}% old-${w}@${100 - p}%` : `${w} new-${w}@100%`,
      ),
    );
    expect(deploys(calls)).toEqual(expected);
    expect(calls.every((a) => a.includes('-y') || a[1] !== 'deploy')).toBe(true);
  });

  it('error rate above the threshold at 10 %: every worker back to its old version at 100 %, gateway first', async () => {
    const wrangler = fakeWrangler();
    const { result } = await deploy(wrangler, fakeGateway({ ok: 900, failed: 100 }));
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/at 10 %: 100\/1000 5xx \(10\.0 %\) > 2\.0 %/);
    const tenPercent = ORDER.map((w) => `${w} new-${w}@10% old-${w}@90%`);
    const rollback = [...ORDER].reverse().map((w) => `${w} old-${w}@100%`);
    expect(deploys(wrangler.calls())).toEqual([...tenPercent, ...rollback]);
  });

  it('a failing health check of the new version rolls back too', async () => {
    const wrangler = fakeWrangler();
    const { result } = await deploy(wrangler, fakeGateway({ healthStatus: 503 }));
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/health check failed: GET \/health answered 503/);
    expect(deploys(wrangler.calls()).at(-1)).toBe('identity old-identity@100%');
  });

  it('an upload failure deploys nothing: no versions deploy at all', async () => {
    const wrangler = fakeWrangler({ failUpload: 'orders' });
    const { result } = await deploy(wrangler, fakeGateway());
    expect(result.outcome).toBe('aborted');
    expect(result.reason).toMatch(/upload of orders failed; nothing deployed/);
    expect(deploys(wrangler.calls())).toEqual([]);
    expect(
      wrangler
        .calls()
        .filter((a) => a[1] === 'upload')
        .map(workerOf),
    ).toEqual(ORDER.slice(0, ORDER.indexOf('orders') + 1));
  });

  it('a deploy refused mid-step rolls back the workers already moved', async () => {
    const wrangler = fakeWrangler({ failDeploy: 'payments@50' });
    const { result } = await deploy(wrangler, fakeGateway());
    expect(result.outcome).toBe('rolled-back');
    // 7 at 10 %, then identity, catalog, inventory and the refused payments at 50 %.
    const moved = deploys(wrangler.calls()).slice(ORDER.length + ORDER.indexOf('payments') + 1);
    expect(moved).toEqual([...ORDER].reverse().map((w) => `${w} old-${w}@100%`));
  });

  it('a worker already mid-deployment stops everything before any upload', async () => {
    const wrangler = fakeWrangler({ split: 'catalog' });
    const { result } = await deploy(wrangler, fakeGateway());
    expect(result.outcome).toBe('aborted');
    expect(result.reason).toMatch(/catalog: a deployment is already in progress/);
    expect(wrangler.calls().filter((a) => a[0] === 'versions')).toEqual([]);
  });

  it('too little traffic at 100 % is fine once the new version answered, but never if it did not', async () => {
    const quiet = await deploy(fakeWrangler(), fakeGateway({ ok: 3, failed: 0 }));
    expect(quiet.result.outcome).toBe('deployed');
    expect(quiet.lines.some((l) => l.includes('no check saw enough traffic'))).toBe(true);
    const other = async (url, init) => {
      const res = await fakeGateway()(url, { ...init, headers: {} });
      return res;
    };
    const silent = await deploy(fakeWrangler(), other);
    expect(silent.result.outcome).toBe('rolled-back');
    expect(silent.result.reason).toMatch(/never answered a check/);
  });
});

describe('npm run deploy -- --plan', () => {
  it('prints every step without an account and calls no wrangler', () => {
    const wrangler = fakeWrangler();
    const run = spawnSync(
      'node',
      ['scripts/deploy.mjs', '--plan', '--tag', 'abc123', '--steps', '5,25,100'],
      {
        cwd: root,
        env: wrangler.env,
        encoding: 'utf8',
      },
    );
    expect(run.status).toBe(0);
    const out = run.stdout;
    expect(out).toContain(
      'wrangler versions upload -c workers/identity/wrangler.toml --tag abc123',
    );
    expect(out).toContain(
      "wrangler versions deploy '<new:gateway>@5%' '<old:gateway>@95%' -y -c wrangler.toml",
    );
    expect(out).toContain("wrangler versions deploy '<old:gateway>@100%' -y -c wrangler.toml");
    expect(out).toContain('Cloudflare-Workers-Version-Overrides: meridian-gateway="<new:gateway>"');
    expect(out.indexOf('workers/notifications/wrangler.toml --tag')).toBeLessThan(
      out.indexOf('-c wrangler.toml --tag'),
    );
    expect(wrangler.calls()).toEqual([]);
  });
});

describe('the decision functions', () => {
  const limits = { maxErrorRate: 0.02, minRequests: 20 };

  it('counts requests and 5xx from the gateway counters, leaving out the probes themselves', () => {
    expect(requestCounts(metricsText(90, 10))).toEqual({ requests: 100, errors: 10 });
  });

  it('judges a check: over the threshold unhealthy, too few requests inconclusive', () => {
    expect(judge({ health: 'ok', requests: 100, errors: 3 }, limits).verdict).toBe('unhealthy');
    expect(judge({ health: 'ok', requests: 100, errors: 2 }, limits).verdict).toBe('healthy');
    expect(judge({ health: 'ok', requests: 5, errors: 1 }, limits).verdict).toBe('inconclusive');
    expect(judge({ health: 'failed', detail: 'x' }, limits).verdict).toBe('unhealthy');
    expect(judge({ health: 'other-version' }, limits)).toMatchObject({
      verdict: 'inconclusive',
      confirmed: false,
    });
  });

  it('decides a step: roll back at the first unhealthy check', () => {
    const healthy = { verdict: 'healthy', confirmed: true, reason: '' };
    const bad = { verdict: 'unhealthy', confirmed: true, reason: 'bad' };
    expect(decideStep([healthy, bad], { last: false })).toEqual({
      action: 'rollback',
      reason: 'bad',
    });
    expect(decideStep([healthy], { last: true })).toEqual({ action: 'advance' });
  });

  it('refuses steps that do not rise to 100 and unknown options', () => {
    expect(() => parseArgs(['--steps', '50,10,100'])).toThrow(UsageError);
    expect(() => parseArgs(['--steps', '10,50'])).toThrow(UsageError);
    expect(() => parseArgs(['--max-error-rate', '2'])).toThrow(UsageError);
    expect(() => parseArgs(['--bogus'])).toThrow(UsageError);
    expect(parseArgs(['--steps', '1,100', '--url', 'https://x.test/']).url).toBe('https://x.test');
  });
});

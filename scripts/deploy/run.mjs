// Carries out a gradual deployment (the decisions are in plan.mjs): read each
// worker's live version, upload every worker as a new version (nothing serves
// it yet), then shift traffic step by step, watching the new gateway version
// through version overrides, and roll every moved worker back to its old
// version at the first unhealthy check.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  checksPerStep,
  commands,
  decideStep,
  judge,
  requestCounts,
  rolloutOrder,
  versionOverride,
} from './plan.mjs';

const VERSION_ID_LINE = /Worker Version ID:\s*([0-9a-f-]{8,})/i;

/** Runs `wrangler` as found on PATH; its structured output comes from WRANGLER_OUTPUT_FILE_PATH. */
export function wranglerRunner({ root, env = process.env }) {
  return (args) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-deploy-'));
    const outputFile = path.join(dir, 'output.ndjson');
    const result = spawnSync('wrangler', args, {
      cwd: root,
      env: { ...env, WRANGLER_OUTPUT_FILE_PATH: outputFile, WRANGLER_SEND_METRICS: 'false' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entries = fs.existsSync(outputFile)
      ? fs
          .readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter((line) => line.trim())
          .map((line) => JSON.parse(line))
      : [];
    fs.rmSync(dir, { recursive: true, force: true });
    const error = result.error ? String(result.error) : '';
    return {
      ok: result.status === 0,
      stdout: result.stdout ?? '',
      stderr: `${result.stderr ?? ''}${error}`,
      entries,
    };
  };
}

/** The version id a `versions upload` reported (its output entry, else its log line). */
export function uploadedVersionId({ entries, stdout }) {
  const entry = entries.find((e) => e.type === 'version-upload' && e.version_id);
  return entry?.version_id ?? VERSION_ID_LINE.exec(stdout)?.[1];
}

/** The live version of a worker from `deployments status --json`; split deployments are refused. */
export function liveVersionId(stdout) {
  const deployment = JSON.parse(stdout);
  const versions = deployment.versions ?? [];
  if (versions.length !== 1 || versions[0].percentage !== 100) {
    const split = versions.map((v) => `${v.version_id}@${v.percentage}%`).join(' ');
    throw new Error(`a deployment is already in progress (${split}): finish or roll it back first`);
  }
  return versions[0].version_id;
}

/** One check of the new gateway version through version overrides. */
export async function checkNewVersion({ url, newId, adminKey, fetchFn }) {
  const headers = { 'cloudflare-workers-version-overrides': versionOverride(newId) };
  let health;
  try {
    const res = await fetchFn(`${url}/health`, { headers, signal: AbortSignal.timeout(10_000) });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) return { health: 'failed', detail: `GET /health answered ${res.status}` };
    health = body?.version?.id === newId ? 'ok' : 'other-version';
  } catch (error) {
    return { health: 'failed', detail: `GET /health: ${error.message ?? error}` };
  }
  if (health !== 'ok') return { health };
  const res = await fetchFn(`${url}/metrics`, {
    headers: { ...headers, 'x-api-key': adminKey },
    signal: AbortSignal.timeout(10_000),
  }).catch((error) => ({ ok: false, status: String(error.message ?? error) }));
  const answeredBy = res.headers?.get?.('x-meridian-version') ?? '';
  if (!res.ok || !answeredBy.startsWith(newId)) return { health: 'other-version' };
  return { health, ...requestCounts(await res.text()) };
}

/**
 * The whole rollout. `deps`: wrangler(args) → { ok, stdout, stderr, entries },
 * fetchFn, sleep(ms), log(line), preflight() → boolean, secretsFileFor(worker) → path of
 * the worker's secrets for its upload (optional). Returns
 * { outcome: 'deployed' | 'rolled-back' | 'aborted', reason? }.
 */
export async function runDeploy(options, deps) {
  const { root, workers, tag, message } = options;
  const { wrangler, log } = deps;
  const order = rolloutOrder(workers);
  const fail = (reason) => {
    log(`✗ ${reason}`);
    return { outcome: 'aborted', reason };
  };
  if (!options.skipCheck && !(await deps.preflight())) {
    return fail('preflight (deploy-check --production) failed: nothing uploaded or deployed');
  }

  const versions = new Map();
  for (const worker of order) {
    const result = wrangler(commands.status(worker, root));
    if (!result.ok) return fail(`cannot read ${worker.name}'s live version:\n${result.stderr}`);
    try {
      versions.set(worker.name, { oldId: liveVersionId(result.stdout) });
    } catch (error) {
      return fail(`${worker.name}: ${error.message}`);
    }
  }
  for (const worker of order) {
    const secretsFile = deps.secretsFileFor?.(worker);
    const result = wrangler(commands.upload(worker, root, { tag, message, secretsFile }));
    const newId = result.ok ? uploadedVersionId(result) : undefined;
    if (!newId) {
      return fail(
        `upload of ${worker.name} failed; nothing deployed (uploaded versions serve no traffic)\n${result.stderr}`,
      );
    }
    versions.get(worker.name).newId = newId;
    log(`↑ ${worker.name}: uploaded ${newId} (live: ${versions.get(worker.name).oldId})`);
  }
  return rollOut(options, deps, order, versions);
}

async function rollOut(options, deps, order, versions) {
  const { root, message } = options;
  const { wrangler, log } = deps;
  const moved = [];
  for (const [index, percent] of options.steps.entries()) {
    for (const worker of order) {
      const ids = versions.get(worker.name);
      const result = wrangler(commands.deploy(worker, root, { ...ids, percent, message }));
      if (!result.ok) {
        return rollBack(
          options,
          deps,
          moved,
          versions,
          `${worker.name} at ${percent} %: ${result.stderr}`,
        );
      }
      if (!moved.includes(worker)) moved.push(worker);
      log(`→ ${worker.name}: ${ids.newId}@${percent}%`);
    }
    const verdicts = await watchStep(options, deps, versions.get('gateway').newId, percent);
    const last = index === options.steps.length - 1;
    const decision = decideStep(verdicts, { last });
    if (decision.action === 'rollback') {
      return rollBack(options, deps, moved, versions, `at ${percent} %: ${decision.reason}`);
    }
    if (decision.warning) log(`! at ${percent} %: ${decision.warning}`);
  }
  log(`✓ every worker at 100 % of its new version (tag ${options.tag})`);
  return { outcome: 'deployed' };
}

async function watchStep(options, deps, newId, percent) {
  const checks = checksPerStep(options);
  const interval_ms = checks > 1 ? options.checkEvery_s * 1000 : options.wait_s * 1000;
  const verdicts = [];
  for (let i = 0; i < checks; i++) {
    await deps.sleep(interval_ms);
    const check = await checkNewVersion({
      url: options.url,
      newId,
      adminKey: options.adminKey,
      fetchFn: deps.fetchFn,
    });
    const verdict = judge(check, options);
    verdicts.push(verdict);
    deps.log(`  check ${i + 1}/${checks} at ${percent} %: ${verdict.verdict} (${verdict.reason})`);
    if (verdict.verdict === 'unhealthy') break;
  }
  return verdicts;
}

/** Every moved worker back to its old version at 100 %, the gateway first. */
function rollBack(options, deps, moved, versions, reason) {
  deps.log(`✗ rolling back: ${reason}`);
  const failed = [];
  for (const worker of [...moved].reverse()) {
    const { oldId } = versions.get(worker.name);
    const message = `rollback: ${options.message}`;
    const result = deps.wrangler(commands.rollback(worker, options.root, { oldId, message }));
    if (result.ok) deps.log(`← ${worker.name}: ${oldId}@100%`);
    else failed.push(`${worker.name} (${result.stderr.trim()})`);
  }
  if (failed.length) deps.log(`✗ rollback failed for ${failed.join(', ')}: run it by hand`);
  return { outcome: 'rolled-back', reason, rollbackFailed: failed };
}

// What a production deployment must not carry: the rules behind
// `npm run deploy:check -- --production` and `npm run deploy`. Each rule
// answers a problem in words an operator can act on; an empty list passes.
//
// It reads the deployment as it will be deployed: each worker's wrangler.toml
// (through wrangler's own parser) and the secrets file that will be uploaded
// (`--secrets`, KEY=value lines as in .dev.vars), compared with the committed
// development values in .dev.vars.example.
import fs from 'node:fs';
import path from 'node:path';
import { unstable_readConfig } from 'wrangler';
import { readDevVars } from './miniflare.mjs';
import { root, WORKERS } from './workers.mjs';

/** The longest access-token age production accepts (seconds). */
export const JWT_MAX_AGE_S_LIMIT = 3600;
const ADMIN_API_KEY_LENGTH_MIN = 32;

/** Each worker's parsed config, from the tree at `base` (the repository, or a fixture copy). */
export function readConfigs(base = root) {
  return WORKERS.map((worker) => {
    const file = path.join(base, worker.dir, 'wrangler.toml');
    return {
      worker: worker.name,
      file,
      config: unstable_readConfig({ config: file }, { hideWarnings: true }),
    };
  });
}

/** The public halves' identities of every JWK in a JWKS or a JSON array of JWKs. */
function jwkIdentities(text) {
  let parsed;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    return null;
  }
  const keys = Array.isArray(parsed) ? parsed : parsed?.keys;
  if (!Array.isArray(keys)) return null;
  return keys.map((k) => ({ kid: String(k?.kid ?? ''), x: String(k?.x ?? '') }));
}

function devKeyProblems(name, value, dev) {
  const offered = jwkIdentities(value);
  if (!offered) return [`${name} is not a JSON set of keys`];
  const devKeys = [
    ...(jwkIdentities(dev.JWT_PRIVATE_KEYS) ?? []),
    ...(jwkIdentities(dev.JWT_PUBLIC_KEYS) ?? []),
  ];
  return offered
    .filter((k) => devKeys.some((d) => d.x === k.x || d.kid === k.kid))
    .map(
      (k) =>
        `${name} holds the development key ${k.kid} (make new ones: node scripts/jwt-keys.mjs)`,
    );
}

/** Secrets that are missing, or are the committed development values. */
export function secretProblems(configs, secrets, dev) {
  const problems = [];
  const required = new Set(configs.flatMap(({ config }) => config.secrets?.required ?? []));
  for (const name of required) {
    const value = secrets[name];
    if (!value) {
      problems.push(`secret ${name} is missing from the secrets file`);
      continue;
    }
    if (name === 'JWT_PUBLIC_KEYS' || name === 'JWT_PRIVATE_KEYS') {
      problems.push(...devKeyProblems(name, value, dev));
      continue;
    }
    const parts = value.split(',').map((s) => s.trim());
    const devParts = (dev[name] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (parts.some((p) => devParts.includes(p)))
      problems.push(`secret ${name} is the development value from .dev.vars.example`);
  }
  if (secrets.ADMIN_API_KEY && secrets.ADMIN_API_KEY.length < ADMIN_API_KEY_LENGTH_MIN)
    problems.push(`secret ADMIN_API_KEY must have at least ${ADMIN_API_KEY_LENGTH_MIN} characters`);
  if (secrets.ADMIN_PASSWORD && secrets.ADMIN_PASSWORD === dev.ADMIN_PASSWORD)
    problems.push('ADMIN_PASSWORD is the development value from .dev.vars.example');
  return problems;
}

/** The gateway's vars that must differ from development. */
function gatewayProblems(gateway, identity) {
  const vars = gateway.config.vars ?? {};
  const problems = [];
  if (vars.ENVIRONMENT !== 'production')
    problems.push(
      `gateway ENVIRONMENT is "${vars.ENVIRONMENT ?? ''}"; production needs "production"`,
    );
  if (vars.SANDBOX_DEPOSITS === 'enabled')
    problems.push(
      'gateway SANDBOX_DEPOSITS is "enabled": customers could mint money; set "disabled"',
    );
  const maxAge = Number(vars.JWT_MAX_AGE_S);
  const ttl = Number(identity?.config.vars?.ACCESS_TOKEN_TTL_S ?? 0);
  if (!Number.isInteger(maxAge) || maxAge < Math.max(1, ttl) || maxAge > JWT_MAX_AGE_S_LIMIT)
    problems.push(
      `gateway JWT_MAX_AGE_S must be an integer from identity's ACCESS_TOKEN_TTL_S (${ttl}) to ${JWT_MAX_AGE_S_LIMIT}`,
    );
  if (!gateway.config.routes?.length && !gateway.config.route)
    problems.push(
      'the gateway has no route: with workers_dev off it needs a custom domain or route',
    );
  return problems;
}

/** Checks that hold in every environment: the API limit's vars say what its binding does. */
export function consistencyProblems(configs) {
  const gateway = configs.find((c) => c.worker === 'gateway');
  if (!gateway) return ['no gateway config'];
  const vars = gateway.config.vars ?? {};
  const binding = (gateway.config.ratelimits ?? []).find((r) => r.name === 'API_RATE_LIMITER');
  if (!binding) return ['the gateway has no API_RATE_LIMITER ratelimits binding'];
  const problems = [];
  if (String(binding.simple?.limit) !== String(vars.RATE_LIMIT_API_CAPACITY))
    problems.push(
      `RATE_LIMIT_API_CAPACITY (${vars.RATE_LIMIT_API_CAPACITY}) differs from API_RATE_LIMITER's limit (${binding.simple?.limit})`,
    );
  if (String(binding.simple?.period) !== String(vars.RATE_LIMIT_API_PERIOD_S))
    problems.push(
      `RATE_LIMIT_API_PERIOD_S (${vars.RATE_LIMIT_API_PERIOD_S}) differs from API_RATE_LIMITER's period (${binding.simple?.period})`,
    );
  return problems;
}

/** Every reason the deployment at `base` with `secretsFile` is not fit for production. */
export function productionProblems({ base = root, secretsFile, devVarsFile } = {}) {
  const configs = readConfigs(base);
  const problems = [...consistencyProblems(configs)];
  for (const { worker, config } of configs) {
    if (config.workers_dev !== false)
      problems.push(
        `${worker}: workers_dev must be false (a public *.workers.dev URL bypasses the gateway's route)`,
      );
    if (config.preview_urls === true) problems.push(`${worker}: preview_urls must not be true`);
  }
  const gateway = configs.find((c) => c.worker === 'gateway');
  const identity = configs.find((c) => c.worker === 'identity');
  if (gateway) problems.push(...gatewayProblems(gateway, identity));
  if (!secretsFile || !fs.existsSync(secretsFile)) {
    problems.push('pass --secrets <file>: the production secrets to be uploaded (KEY=value lines)');
  } else {
    problems.push(...secretProblems(configs, readDevVars(secretsFile), readDevVars(devVarsFile)));
  }
  return problems;
}

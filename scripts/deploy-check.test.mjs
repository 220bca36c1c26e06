// `deploy:check --production` on fixture deployments: a copy of the
// repository's configs made fit for production passes, and each development
// setting put back into it (issue 17, finding 10) is refused by name.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDevVars } from './miniflare.mjs';
import { root, WORKERS } from './workers.mjs';

const dev = readDevVars();
let fixtures;

const secret = (bytes = 32) => randomBytes(bytes).toString('base64url');

async function productionKeys() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const meta = { kid: `prod-${secret(4)}`, alg: 'ES256', use: 'sig' };
  return {
    JWT_PRIVATE_KEYS: JSON.stringify([{ ...(await exportJWK(privateKey)), ...meta }]),
    JWT_PUBLIC_KEYS: JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), ...meta }] }),
  };
}

/** A copy of every wrangler.toml under `dir`, changed as a production deployment changes them. */
function productionTree(dir, edit = (_worker, text) => text) {
  for (const worker of WORKERS) {
    let text = fs.readFileSync(worker.config, 'utf8');
    if (worker.name === 'gateway') {
      text = text
        .replace('ENVIRONMENT = "development"', 'ENVIRONMENT = "production"')
        .replace('SANDBOX_DEPOSITS = "enabled"', 'SANDBOX_DEPOSITS = "disabled"')
        .replace(
          'workers_dev = false\n',
          'workers_dev = false\nroutes = [{ pattern = "api.example.com", custom_domain = true }]\n',
        );
    }
    const target = path.join(dir, worker.dir, 'wrangler.toml');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, edit(worker.name, text));
  }
  return dir;
}

function writeSecrets(file, secrets) {
  fs.writeFileSync(
    file,
    Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
  );
  return file;
}

/** Runs the real CLI; answers its exit code and what it printed. */
function check(tree, secretsFile) {
  const args = ['scripts/deploy-check.mjs', '--production', '--no-dry-run', '--root', tree];
  if (secretsFile) args.push('--secrets', secretsFile);
  try {
    const out = execFileSync(process.execPath, args, {
      cwd: root,
      encoding: 'utf8',
      stdio: 'pipe',
    });
    return { code: 0, out };
  } catch (error) {
    return { code: error.status, out: `${error.stdout}${error.stderr}` };
  }
}

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'meridian-deploy-check-'));
  const good = {
    ADMIN_API_KEY: secret(),
    ADMIN_EMAIL: 'ops@example.com',
    ADMIN_PASSWORD: secret(),
    EMAIL_INDEX_KEY: secret(),
    PAYMENT_WEBHOOK_SECRET: `whsec_${secret()}`,
    ...(await productionKeys()),
  };
  fixtures = {
    dir,
    good,
    tree: productionTree(path.join(dir, 'good')),
    secrets: writeSecrets(path.join(dir, 'good.vars'), good),
  };
}, 60_000);

afterAll(() => fs.rmSync(fixtures.dir, { recursive: true, force: true }));

/** The good tree with one file changed. */
function treeWith(name, worker, change) {
  return productionTree(path.join(fixtures.dir, name), (w, text) =>
    w === worker ? change(text) : text,
  );
}

// Each case runs the CLI in a child process (wrangler's config parser loads in each).
describe('deploy:check --production', { timeout: 60_000 }, () => {
  it('passes a deployment with production settings and its own secrets', () => {
    const { code, out } = check(fixtures.tree, fixtures.secrets);
    expect(out).toContain('✓ production');
    expect(code).toBe(0);
  });

  it('refuses the committed development configuration and secrets', () => {
    const { code, out } = check(root, path.join(root, '.dev.vars.example'));
    expect(code).toBe(1);
    for (const expected of [
      'ENVIRONMENT is "development"',
      'SANDBOX_DEPOSITS is "enabled"',
      'secret ADMIN_API_KEY is the development value',
      'JWT_PUBLIC_KEYS holds the development key dev-es256-a',
      'JWT_PRIVATE_KEYS holds the development key dev-es256-a',
      'secret PAYMENT_WEBHOOK_SECRET is the development value',
      'secret EMAIL_INDEX_KEY is the development value',
    ]) {
      expect(out).toContain(expected);
    }
  });

  const settings = [
    [
      'ENVIRONMENT = "development"',
      'gateway',
      (t) => t.replace('ENVIRONMENT = "production"', 'ENVIRONMENT = "development"'),
      'ENVIRONMENT',
    ],
    [
      'sandbox deposits on',
      'gateway',
      (t) => t.replace('SANDBOX_DEPOSITS = "disabled"', 'SANDBOX_DEPOSITS = "enabled"'),
      'SANDBOX_DEPOSITS',
    ],
    [
      'workers_dev = true',
      'payments',
      (t) => t.replace('workers_dev = false', 'workers_dev = true'),
      'payments: workers_dev',
    ],
    [
      'workers_dev left to its default',
      'identity',
      (t) => t.replace('workers_dev = false\n', ''),
      'identity: workers_dev',
    ],
    [
      'no maximum token age',
      'gateway',
      (t) => t.replace('JWT_MAX_AGE_S = "900"', 'JWT_MAX_AGE_S = "86400"'),
      'JWT_MAX_AGE_S',
    ],
    [
      'an API limit that differs from its binding',
      'gateway',
      (t) => t.replace('RATE_LIMIT_API_CAPACITY = "600"', 'RATE_LIMIT_API_CAPACITY = "60"'),
      'RATE_LIMIT_API_CAPACITY',
    ],
  ];
  for (const [name, worker, change, expected] of settings) {
    it(`refuses ${name}`, () => {
      const { code, out } = check(
        treeWith(name.replaceAll(/\W+/g, '-'), worker, change),
        fixtures.secrets,
      );
      expect(out).toContain(expected);
      expect(code).toBe(1);
    });
  }

  const secrets = [
    ['the development API key', { ADMIN_API_KEY: dev.ADMIN_API_KEY }, 'ADMIN_API_KEY'],
    [
      'the development webhook secret, even as the second of two',
      { PAYMENT_WEBHOOK_SECRET: `whsec_${secret()},${dev.PAYMENT_WEBHOOK_SECRET}` },
      'PAYMENT_WEBHOOK_SECRET',
    ],
    [
      'the development signing keys',
      { JWT_PRIVATE_KEYS: dev.JWT_PRIVATE_KEYS },
      'JWT_PRIVATE_KEYS holds the development key',
    ],
    [
      'a development key renamed',
      { JWT_PUBLIC_KEYS: renamedDevKey() },
      'JWT_PUBLIC_KEYS holds the development key',
    ],
    [
      'the development email index key',
      { EMAIL_INDEX_KEY: dev.EMAIL_INDEX_KEY },
      'EMAIL_INDEX_KEY',
    ],
    [
      'a missing secret',
      { PAYMENT_WEBHOOK_SECRET: '' },
      'secret PAYMENT_WEBHOOK_SECRET is missing',
    ],
  ];
  for (const [name, override, expected] of secrets) {
    it(`refuses ${name}`, () => {
      const file = writeSecrets(path.join(fixtures.dir, `${name.replaceAll(/\W+/g, '-')}.vars`), {
        ...fixtures.good,
        ...override,
      });
      const { code, out } = check(fixtures.tree, file);
      expect(out).toContain(expected);
      expect(code).toBe(1);
    });
  }

  it('npm run deploy refuses the same before uploading anything', () => {
    const args = ['scripts/deploy.mjs', '--secrets', path.join(root, '.dev.vars.example')];
    let result;
    try {
      execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: 'pipe' });
      result = { code: 0, out: '' };
    } catch (error) {
      result = { code: error.status, out: `${error.stdout}${error.stderr}` };
    }
    expect(result.out).toContain('refusing to deploy');
    expect(result.out).toContain('SANDBOX_DEPOSITS is "enabled"');
    expect(result.out).not.toContain('uploaded');
    expect(result.code).toBe(1);
  });

  it('refuses to judge without the secrets to be uploaded', () => {
    const { code, out } = check(fixtures.tree);
    expect(out).toContain('pass --secrets');
    expect(code).toBe(1);
  });
});

/** A development public key under a new kid: still the development key. */
function renamedDevKey() {
  const { keys } = JSON.parse(dev.JWT_PUBLIC_KEYS);
  return JSON.stringify({ keys: keys.map((k) => ({ ...k, kid: `prod-${secret(4)}` })) });
}

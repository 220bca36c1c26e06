/**
 * The OpenAPI document of the running system is valid OpenAPI 3.1, and a
 * client generated from it works: openapi-typescript-codegen generates a
 * fetch client, TypeScript typechecks a use of it (a call without the
 * required Idempotency-Key does not compile), and the same generated code,
 * bundled with esbuild, registers a customer, places an order and reads it
 * against the system. (openapi-typescript needs TypeScript's compiler API,
 * which the native TypeScript 7 this project pins does not have.)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { build } from 'esbuild';
import { generate } from 'openapi-typescript-codegen';
import { beforeAll, describe, expect, inject, it } from 'vitest';

const base = inject('baseUrl');
const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, '.build', 'e2e-openapi-client');
let doc: Record<string, unknown>;

/** A typed use of the generated client; compiled by tsc, never run. */
const TYPED_USE = `
import { Meridian } from './client';

const api = new Meridian({ BASE: 'http://localhost', TOKEN: 'token' });

export async function place(): Promise<string> {
  const accepted = await api.default.postOrders('order-key-1', {
    items: [{ sku: 'MRD-TEE-001', quantity: 1 }],
  });
  if ('orderId' in accepted) return accepted.orderId;
  return accepted.type;
}

export async function placeWithoutKey() {
  // @ts-expect-error: Idempotency-Key is a required header parameter of POST /v1/orders.
  return api.default.postOrders({ items: [{ sku: 'MRD-TEE-001', quantity: 1 }] });
}

export async function listAdminOrders(): Promise<string | null | undefined> {
  const page = await api.default.getAdminOrders('CONFIRMED', 'eu', undefined, undefined, 10);
  return 'nextCursor' in page ? page.nextCursor : undefined;
}
`;

beforeAll(async () => {
  doc = (await (await fetch(`${base}/openapi.json`)).json()) as Record<string, unknown>;
  fs.rmSync(dir, { recursive: true, force: true });
  await generate({
    input: doc,
    output: path.join(dir, 'client'),
    httpClient: 'fetch',
    clientName: 'Meridian',
    useUnionTypes: true,
  });
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 2)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('generates a client whose typed use compiles, and a call without the key does not', () => {
    fs.writeFileSync(path.join(dir, 'use.ts'), TYPED_USE);
    const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
    const options = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2024'];
    const modules = ['--module', 'es2022', '--moduleResolution', 'bundler', '--lib', 'es2024,dom'];
    try {
      // Outside the repository's tsconfig: only the generated code and its use.
      execFileSync(tsc, [...options, ...modules, '--ignoreConfig', path.join(dir, 'use.ts')], {
        cwd: dir,
        encoding: 'utf8',
      });
    } catch (error) {
      const out = error as { stdout?: string; stderr?: string };
      throw new Error(`the generated client does not typecheck:\n${out.stdout}${out.stderr}`);
    }
  }, 60_000);

  it('the generated client registers, places an order and reads it against the system', async () => {
    const bundle = path.join(dir, 'client.mjs');
    await build({
      entryPoints: [path.join(dir, 'client', 'index.ts')],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile: bundle,
      logLevel: 'silent',
    });
    type Answer = Record<string, string>;
    type Service = Record<string, (...args: unknown[]) => Promise<Answer>>;
    type Client = new (config: { BASE: string; TOKEN?: string }) => Record<string, Service>;
    const { Meridian } = (await import(pathToFileURL(bundle).href)) as { Meridian: Client };

    const anonymous = new Meridian({ BASE: base });
    const email = `e2e.client.${Date.now()}@example.test`;
    const pair = await anonymous.identity?.postAuthRegister?.({
      email,
      password: 'correct horse battery staple',
      region: 'eu',
    });
    expect(pair?.region).toBe('eu');
    const customer = new Meridian({ BASE: base, TOKEN: pair?.accessToken ?? '' });
    const accepted = await customer.default?.postOrders?.(`e2e-${Date.now()}`, {
      items: [{ sku: 'MRD-TEE-001', quantity: 1 }],
    });
    expect(accepted?.orderId).toMatch(/^ord_/);
    const order = await customer.default?.getOrdersById?.(accepted?.orderId, 5000);
    expect(order?.orderId).toBe(accepted?.orderId);
  });
});

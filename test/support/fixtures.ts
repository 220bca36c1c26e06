/** Test fixtures: rows written straight into service stores through the runner's test-only bindings. */
import { env } from 'cloudflare:workers';
import { newId } from '@common/ids';

export const testEnv = env as unknown as GatewayEnv & {
  CATALOG_DB: D1Database;
  ADMIN_API_KEY: string;
};

export interface ProductFixture {
  id: string;
  sku: string;
  category: string;
}

export async function insertProduct(
  overrides: Partial<ProductFixture> = {},
): Promise<ProductFixture> {
  const id = overrides.id ?? newId('prd');
  const sku = overrides.sku ?? `T-${id.slice(-10)}`;
  const category = overrides.category ?? 'test';
  const now = Date.now();
  await testEnv.CATALOG_DB.prepare(
    `INSERT INTO products (id, sku, name, description, category, price_amount, currency, created_at, updated_at, version)
     VALUES (?, ?, ?, '', ?, 1999, 'USD', ?, ?, 1)`,
  )
    .bind(id, sku, `Product ${sku}`, category, now, now)
    .run();
  return { id, sku, category };
}

export const adminHeaders = (): Record<string, string> => ({
  'content-type': 'application/json',
  'x-api-key': testEnv.ADMIN_API_KEY,
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

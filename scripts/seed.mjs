// Demo data, seeded idempotently: products are inserted with fixed ids
// (INSERT OR IGNORE), stock is added through the public restock API with a
// fixed Idempotency-Key per SKU and region, and the admin account from
// .dev.vars is ensured through the operator-only PUT /v1/admin/admins, so
// running it again changes nothing.
import fs from 'node:fs';
import path from 'node:path';
import { root } from './workers.mjs';

export const REGIONS = ['us', 'eu', 'apac'];

export function seedProducts() {
  return JSON.parse(fs.readFileSync(path.join(root, 'seed', 'products.json'), 'utf8')).map(
    (p, i) => ({
      ...p,
      // Fixed, valid, sortable ids (prd_ + 26 Crockford base32 characters).
      id: `prd_0000000000SEED${String(i + 1).padStart(12, '0')}`,
    }),
  );
}

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;

export function catalogSeedSql(now = Date.UTC(2026, 0, 1)) {
  return seedProducts()
    .map(
      (p) =>
        `INSERT OR IGNORE INTO products (id, sku, name, description, category, price_amount, currency, created_at, updated_at, version) VALUES (${[
          sqlString(p.id),
          sqlString(p.sku),
          sqlString(p.name),
          sqlString(p.description),
          sqlString(p.category),
          p.price.amount,
          sqlString(p.price.currency),
          now,
          now,
          1,
        ].join(', ')});`,
    )
    .join('\n');
}

/** Adds each product's stock in every region once, through the gateway. */
export async function seedStock(baseUrl, apiKey) {
  for (const product of seedProducts()) {
    for (const region of REGIONS) {
      const res = await fetch(
        `${baseUrl}/v1/inventory/${encodeURIComponent(product.sku)}/restock`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-api-key': apiKey,
            'idempotency-key': `seed-v1:${product.sku}:${region}`,
          },
          body: JSON.stringify({ quantity: product.stock, region }),
        },
      );
      if (res.status !== 200)
        throw new Error(
          `seeding stock for ${product.sku}/${region}: ${res.status} ${await res.text()}`,
        );
    }
  }
}

/** Makes sure the admin from .dev.vars exists (and logs in with its password). */
export async function seedAdmin(baseUrl, secrets) {
  const { ADMIN_API_KEY, ADMIN_EMAIL, ADMIN_PASSWORD } = secrets;
  if (!ADMIN_EMAIL || !ADMIN_PASSWORD)
    throw new Error('.dev.vars needs ADMIN_EMAIL and ADMIN_PASSWORD');
  const res = await fetch(`${baseUrl}/v1/admin/admins`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'x-api-key': ADMIN_API_KEY },
    body: JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`seeding the admin: ${res.status} ${await res.text()}`);
  return res.json();
}

// product-cached (goal) and the miss path (product-miss with 16 clients,
// product-miss-lone with one), against bare-rpc. The outcome label carries
// X-Cache, so the JSON report says which level served each read (a miss that
// was served from a cache level is counted as an error: the scenario would
// not be measuring the miss path).
import { httpOutcome, measure, request } from '../harness.mjs';

const HOT = 'prd_0000000000BENCH00000000000';
const coldId = (i) => `prd_0000000000BENCH${String(i + 1).padStart(11, '0')}`;

/** Attempts per seeding batch: on a loaded machine Miniflare's D1 proxy may drop one. */
const SEED_ATTEMPTS_MAX = 3;

/**
 * Inserts `count` products nobody has read yet (plus the hot one) straight
 * into D1, 200 rows a batch; `OR IGNORE` makes a retried batch harmless.
 */
async function seedProducts(system, count) {
  const db = await system.mf.getD1Database('CATALOG_DB', 'meridian-catalog');
  const insert = db.prepare(
    `INSERT OR IGNORE INTO products (id, sku, name, description, category, price_amount, currency, created_at, updated_at, version)
     VALUES (?, ?, ?, 'bench product', 'bench', 1000, 'USD', ?, ?, 1)`,
  );
  const ids = [HOT, ...Array.from({ length: count }, (_, i) => coldId(i))];
  const now = Date.now();
  for (let i = 0; i < ids.length; i += 200) {
    const rows = ids.slice(i, i + 200);
    const batch = rows.map((id, j) =>
      insert.bind(id, `BENCH-${i + j}`, `Bench ${i + j}`, now, now),
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await db.batch(batch);
        break;
      } catch (error) {
        if (attempt >= SEED_ATTEMPTS_MAX) throw error;
      }
    }
  }
  return ids.slice(1);
}

export async function catalogReads(system, options) {
  // Enough never-read products for the miss path at a few thousand reads/s.
  const cold = await seedProducts(system, Math.ceil((options.duration_ms / 1000) * 1500));
  let next = 0;
  const readCold = async () => {
    const id = cold[next++];
    if (id === undefined) return 'cold ids exhausted';
    return httpOutcome(await request(system.gateway, `/v1/products/${id}`));
  };
  const isMiss = (outcome) => outcome === '200 miss';
  const hot = async () => httpOutcome(await request(system.gateway, `/v1/products/${HOT}`));
  await request(system.gateway, `/v1/products/${HOT}`);
  return [
    await measure('product-cached', hot, options),
    // Every read asks for a product nobody asked for before: every level misses.
    await measure('product-miss', readCold, {
      ...options,
      warmup_ms: 0,
      ok: isMiss,
    }),
    // The same path one request at a time: its latency without queueing.
    await measure('product-miss-lone', readCold, {
      ...options,
      concurrency: 1,
      duration_ms: options.duration_ms / 2,
      warmup_ms: 0,
      ok: isMiss,
    }),
  ];
}

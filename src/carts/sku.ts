/**
 * Whether a SKU is in the catalog, asked of the catalog (its store of record)
 * and remembered per isolate for a minute: a cart add must not cost a catalog
 * round trip each time. Only known SKUs are remembered, so a product created
 * a moment ago is accepted at once; one deleted within the minute can still
 * be added, and the checkout, which prices every line again, refuses it.
 */
import { problem, unwrap } from '@common/problem';
import { StaleCopies } from '@common/resilience';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';
import { callUpstream } from '../upstream/upstream';

const known = new StaleCopies<true>({ entries_max: 5000, age_ms_max: 60_000 });

/** Throws 400 `sku_unknown` unless the catalog has `sku`. */
export async function assertSkuInCatalog(c: Context<GatewayBindings>, sku: string): Promise<void> {
  if (known.recall(sku)) return;
  const quote = await callUpstream('catalog', () => c.env.CATALOG.quote([sku]), {
    idempotent: true,
  });
  if (quote.ok) {
    known.remember(sku, true);
    return;
  }
  if (quote.problem.code === 'sku_unknown')
    throw problem(400, 'sku_unknown', `no product has sku ${sku}`, {
      errors: [{ path: 'sku', message: `unknown sku ${sku}` }],
    });
  unwrap(quote);
}

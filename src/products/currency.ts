/**
 * A product's price must be in a currency the ledgers can charge, or no
 * order for it could ever be paid. The ledgers' rule lives in payments (an
 * account is opened in LEDGER_CURRENCY and charges only that); the gateway
 * asks payments once and remembers the answer for a minute per isolate.
 */
import { problem } from '@common/problem';
import type { Context } from 'hono';
import type { GatewayBindings } from '../context';
import { callUpstream } from '../upstream/upstream';

const REMEMBER_MS = 60_000;

let known: { currencies: readonly string[]; until: number } | undefined;

async function chargeable(c: Context<GatewayBindings>): Promise<readonly string[]> {
  if (known && known.until > Date.now()) return known.currencies;
  const currencies = await callUpstream('payments', () => c.env.PAYMENTS.chargeableCurrencies(), {
    log: c.get('log'),
    idempotent: true,
  });
  known = { currencies, until: Date.now() + REMEMBER_MS };
  return currencies;
}

/** Throws a 400 problem unless the ledgers can charge `currency`. */
export async function requireChargeable(
  c: Context<GatewayBindings>,
  currency: string,
  path = 'price.currency',
): Promise<void> {
  const currencies = await chargeable(c);
  if (currencies.includes(currency)) return;
  const allowed = currencies.join(', ');
  throw problem(
    400,
    'currency_not_chargeable',
    `the ledgers charge only ${allowed}: a price in ${currency} could never be paid`,
    { errors: [{ path, message: `must be a currency the ledgers charge (${allowed})` }] },
  );
}

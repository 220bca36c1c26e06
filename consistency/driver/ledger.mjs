// The ledger history: one customer's account, many clients at once. Readers
// read the balance and version at the ledger, depositors deposit (each with
// its own Idempotency-Key), buyers place orders that capture (sometimes
// cancelled at once, so the saga refunds or voids the capture). The account
// starts empty, so early captures are refused for want of funds.
import { randomUUID } from 'node:crypto';
import { ledgerOperations, placeAndFollow } from './orders.mjs';
import {
  call,
  callUntil,
  clients,
  customerHeaders,
  freshProduct,
  now,
  randomSource,
  registerCustomer,
  restock,
  sleep,
} from './system.mjs';

const REGION = 'us';
const READERS = 3;
const DEPOSITORS = 2;
const BUYERS = 4;
const PRICE = 700;

const accountOf = (body) => ({
  kind: 'account',
  balance: body.balance.amount,
  version: body.version,
});

/**
 * The account is one key, so its history is one partition; each operation
 * that timed out may have applied anywhere after its call, which makes the
 * search exponential in them. `ledger_operations_max` bounds the history to
 * keep the check decidable within its budgets (calls stop there, or at the
 * end of the window, whichever comes first).
 */
export async function ledgerHistory(
  system,
  { duration_ms, settle_ms, inject, ledger_operations_max },
) {
  const product = await freshProduct(system, { price: PRICE });
  await restock(system, product.sku, 1_000_000, REGION);
  const customer = await registerCustomer(system, { region: REGION });
  const account = customer.customerId;
  const history = [];
  const baseline = await callUntil(system, '/v1/accounts/me', 200, {
    headers: customerHeaders(customer),
  });
  history.push({
    clientId: 0,
    input: { op: 'baseline', account },
    call: baseline.call,
    output: accountOf(baseline.body),
    return: baseline.return,
  });
  // Setup and baselines are done: the faults start with the window.
  await inject();
  const random = randomSource(6);
  const until = now() + duration_ms;
  const settle_until = until + settle_ms;

  const read = async (clientId) => {
    const res = await call(system, '/v1/accounts/me', { headers: customerHeaders(customer) });
    if (res.status === 200)
      history.push({
        clientId,
        input: { op: 'balance', account },
        call: res.call,
        output: accountOf(res.body),
        return: res.return,
      });
    await sleep(10 + random() * 30);
  };
  const deposit = async (clientId) => {
    const amount = 100 * (1 + Math.floor(random() * 9));
    const res = await call(system, '/v1/accounts/me/deposits', {
      method: 'POST',
      headers: customerHeaders(customer, randomUUID()),
      body: { amount },
    });
    if (res.status === 201 || res.status >= 500 || res.timedOut) {
      const known = res.status === 201;
      history.push({
        clientId,
        input: { op: 'deposit', account, amount },
        call: res.call,
        output: known ? accountOf(res.body) : { kind: 'unknown' },
        return: known ? res.return : Number.POSITIVE_INFINITY,
      });
    }
    await sleep(200 + random() * 400);
  };
  const buy = async (clientId) => {
    const followed = await placeAndFollow(system, customer, [{ sku: product.sku, quantity: 1 }], {
      cancel: random() < 0.3,
      until,
      settle_until,
    });
    if (!followed.refused) history.push(...ledgerOperations(followed, account, PRICE, clientId));
  };

  const started = now();
  await clients(
    READERS + DEPOSITORS + BUYERS,
    until,
    async (i) => {
      const clientId = i + 1;
      if (i < READERS) return read(clientId);
      if (i < READERS + DEPOSITORS) return deposit(clientId);
      return buy(clientId);
    },
    () => history.length >= ledger_operations_max,
  );
  return { history, clients: READERS + DEPOSITORS + BUYERS, from: started, to: now() };
}

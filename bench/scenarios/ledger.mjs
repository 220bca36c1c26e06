// ledger-write, against bare-do-write: a deposit into the payments
// `AccountLedger` (operation record + event + outbox row in one transaction,
// then the outbox relayed to the ledger-events queue and projected), through
// the same bench-worker route and DO RPC hop to one object as the floor's
// one upsert, so the ratio is the cost of the ledger's guarantees on one leader.
import { httpOutcome, measure, request } from '../harness.mjs';

export async function ledgerWrites(system, options) {
  const deposit = async () =>
    httpOutcome(await request(system.bench, '/ledger/bench', { method: 'POST' }));
  return [await measure('ledger-write', deposit, { ...options, unit: 'ops/s' })];
}

// Issue 6: a ledger write (operation record + event + outbox row in one
// transaction, then the outbox relayed to the ledger-events queue and its
// projection) against a bare Durable Object counter. Both go through the same
// bench-worker route and DO RPC hop to one object each, so their ratio is the
// cost of the ledger's guarantees on one leader.
import { httpOutcome, measure, request } from '../harness.mjs';

export async function ledgerWrites(system, options) {
  const post = (pathname) => async () =>
    httpOutcome(await request(system.bench, pathname, { method: 'POST' }));
  const counter = await measure('bare DO counter write', post('/counter/bench'), {
    ...options,
    unit: 'ops/s',
  });
  const ledger = await measure('ledger write (state + outbox)', post('/ledger/bench'), {
    ...options,
    unit: 'ops/s',
  });
  return [counter, { ...ledger, against: counter.name }];
}

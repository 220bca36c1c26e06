// The control: the same kind of history, but stock is read through a path
// that is not linearizable, `availability` in GET /v1/products/{id} (a read
// model fed by inventory events, behind the product cache), while restocks go
// to the leader. The checker must reject it; a checker that accepts it
// proves nothing about the other histories.
import { randomUUID } from 'node:crypto';
import { restockOperations } from './stock.mjs';
import {
  call,
  callUntil,
  clients,
  freshProduct,
  now,
  operatorHeaders,
  randomSource,
  restock,
  sleep,
} from './system.mjs';

const REGION = 'us';
const READERS = 6;
const RESTOCKERS = 2;

export async function controlHistory(system, { duration_ms, inject }) {
  const product = await freshProduct(system, { label: 'control' });
  await restock(system, product.sku, 5, REGION);
  const key = `${product.sku}/${REGION}`;
  const history = [];
  const base = await callUntil(system, `/v1/inventory/${product.sku}?region=${REGION}`, 200);
  const { available, reserved, sold } = base.body;
  history.push({
    clientId: 0,
    input: { op: 'baseline', key },
    call: base.call,
    output: { kind: 'level', level: { available, reserved, sold } },
    return: base.return,
  });
  // Setup and baselines are done: the faults start with the window.
  await inject();
  const random = randomSource(99);
  const started = now();
  const until = started + duration_ms;
  await clients(READERS + RESTOCKERS, until, async (i) => {
    const clientId = i + 1;
    if (i < READERS) {
      const res = await call(system, `/v1/products/${product.id}`);
      const seen = res.body?.availability?.[REGION];
      if (res.status === 200 && typeof seen === 'number')
        history.push({
          clientId,
          input: { op: 'read_available', key },
          call: res.call,
          output: { kind: 'available', available: seen },
          return: res.return,
        });
      return sleep(10 + random() * 30);
    }
    const quantity = 1 + Math.floor(random() * 3);
    const res = await call(system, `/v1/inventory/${product.sku}/restock`, {
      method: 'POST',
      headers: operatorHeaders(randomUUID()),
      body: { quantity, region: REGION },
    });
    // Only the availability reads are checked against the leader's writes.
    history.push(
      ...restockOperations(res, key, quantity, clientId).filter((op) => op.input.op === 'restock'),
    );
    return sleep(200 + random() * 300);
  });
  return { history, clients: READERS + RESTOCKERS, from: started, to: now() };
}

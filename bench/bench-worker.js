// Bench-only worker (never deployed), served in the same Miniflare run as the
// system: the bare Hono route every figure is a ratio to, a bare Durable
// Object counter, and a driver that writes to a real AccountLedger of the
// payments worker. Counter and ledger are reached through the same route and
// the same DO RPC hop, so their ratio is the cost of the ledger's guarantees.
import { DurableObject } from 'cloudflare:workers';
import { Hono } from 'hono';

/** The baseline write: one SQLite row incremented per call, nothing else. */
export class Counter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)',
    );
  }

  increment() {
    this.ctx.storage.sql.exec(
      'INSERT INTO counter (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1',
    );
    return this.ctx.storage.sql.exec('SELECT n FROM counter WHERE id = 1').one().n;
  }
}

const META = {
  requestId: 'bench',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};
let sequence = 0;

const app = new Hono();

app.get('/', (c) => c.json({ status: 'ok' }));

app.post('/counter/:key', async (c) => {
  const stub = c.env.COUNTER.get(c.env.COUNTER.idFromName(c.req.param('key')));
  return c.json({ n: await stub.increment() });
});

/** One deposit: operation record, event and outbox row in one transaction. */
app.post('/ledger/:key', async (c) => {
  const key = c.req.param('key');
  const stub = c.env.LEDGER.get(c.env.LEDGER.idFromName(key));
  const result = await stub.execute(
    {
      operationId: `bench-${Date.now()}-${sequence++}`,
      account: { accountId: `acc_${key}`, customerId: `cus_${key}`, region: 'us', currency: 'USD' },
      command: { kind: 'deposit', amount: 1, currency: 'USD' },
    },
    META,
  );
  return result.ok ? c.json({ version: result.value.version }) : c.json(result.problem, 500);
});

export default app;

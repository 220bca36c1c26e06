// Bench-only worker (never deployed), served by the same workerd in the same
// run as the system. It holds the floors every figure is a ratio to, each
// the least a request of that shape can cost here:
//   GET  /          bare-route     a bare Hono route
//   GET  /rpc       bare-rpc       route → service-binding RPC (bench-rpc-worker.js) → constant
//   GET  /do/read   bare-do-read   route → Durable Object RPC → one SQLite read
//   POST /do/write  bare-do-write  route → Durable Object RPC → one SQLite upsert
// and a driver for ledger-write (route → the payments `AccountLedger` DO →
// a deposit), which goes through the same route and DO hop as bare-do-write.
import { DurableObject } from 'cloudflare:workers';
import { Hono } from 'hono';

/** The floor object: one row, read or upserted, nothing else. */
export class Floor extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)',
    );
  }

  read() {
    return this.ctx.storage.sql.exec('SELECT n FROM counter WHERE id = 1').toArray()[0]?.n ?? 0;
  }

  write() {
    return this.ctx.storage.sql
      .exec(
        'INSERT INTO counter (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1 RETURNING n',
      )
      .one().n;
  }
}

const META = {
  requestId: 'bench',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};
let sequence = 0;

const floor = (env) => env.FLOOR.get(env.FLOOR.idFromName('floor'));

const app = new Hono();

app.get('/', (c) => c.json({ status: 'ok' }));

app.get('/rpc', async (c) => c.json(await c.env.FLOOR_RPC.constant()));

app.get('/do/read', async (c) => c.json({ n: await floor(c.env).read() }));

app.post('/do/write', async (c) => c.json({ n: await floor(c.env).write() }));

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

// Bench-only worker (never deployed): a bare Durable Object counter, and a
// driver that times N sequential calls to it or to a real AccountLedger of
// the payments worker, inside workerd, so both sides pay the same hops.
import { DurableObject } from 'cloudflare:workers';

/** The baseline: one SQLite row incremented per call, nothing else. */
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

function operation(kind, stub, account) {
  if (kind === 'counter') return () => stub.increment();
  return () =>
    stub.execute(
      {
        operationId: `bench-${Date.now()}-${sequence++}`,
        account,
        command: { kind: 'deposit', amount: 1, currency: 'USD' },
      },
      META,
    );
}

export default {
  /** GET /{counter|ledger}?n=&c=&key= → total elapsed ms for n calls, c at a time, on one object. */
  async fetch(request, env) {
    const url = new URL(request.url);
    const kind = url.pathname.slice(1);
    const n = Number(url.searchParams.get('n') ?? '1');
    const c = Number(url.searchParams.get('c') ?? '1');
    const key = url.searchParams.get('key') ?? 'bench';
    if (kind !== 'counter' && kind !== 'ledger') return new Response('unknown', { status: 404 });
    const namespace = kind === 'counter' ? env.COUNTER : env.LEDGER;
    const stub = namespace.get(namespace.idFromName(key));
    const account = { accountId: key, customerId: `cus_${key}`, region: 'us', currency: 'USD' };
    const call = operation(kind, stub, account);
    const started = performance.now();
    let next = 0;
    const worker = async () => {
      while (next < n) {
        next++;
        const result = await call();
        if (kind === 'ledger' && !result.ok) throw new Error(JSON.stringify(result.problem));
      }
    };
    await Promise.all(Array.from({ length: c }, worker));
    return Response.json({ kind, n, c, ms: performance.now() - started });
  },
};

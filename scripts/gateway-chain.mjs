// The gateway's own cost per request, to compare a change with what came
// before it (issue 12: no Durable Object call for the API limit, a
// verified-token memo). Served by the bench harness (Miniflare direct, the
// system migrated and seeded), each route measured against the bare Hono
// route in the same round; rounds alternate so the load of a shared machine
// drifts over all of them alike. Prints the median of the rounds.
//
//   node scripts/gateway-chain.mjs        (BENCH_PORT 8950, uses it and the next two)
//   BENCH_ROUNDS=5 BENCH_DURATION_MS=4000 BENCH_CONCURRENCY=16 node scripts/gateway-chain.mjs
import {
  benchVars,
  closeClient,
  httpOutcome,
  measure,
  registerCustomer,
  request,
  startSystem,
} from '../bench/harness.mjs';

const env = (name, fallback) => Number(process.env[name] ?? fallback);
const options = {
  concurrency: env('BENCH_CONCURRENCY', 16),
  duration_ms: env('BENCH_DURATION_MS', 3000),
  warmup_ms: 500,
};
const rounds = env('BENCH_ROUNDS', 3);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const system = await startSystem({
  port: env('BENCH_PORT', 8950),
  vars: benchVars({ breaker_open_ms: 5000 }),
});
try {
  const customer = await registerCustomer(system);
  const bearer = { authorization: `Bearer ${customer.token}` };
  const get =
    (base, path, headers = {}) =>
    async () =>
      httpOutcome(await request(base, path, { headers }));
  const scenarios = [
    ['bare Hono route', get(system.bench, '/')],
    ['gateway GET /health (chain, no rate limit)', get(system.gateway, '/health')],
    ['gateway anonymous, rate-limited (JWKS)', get(system.gateway, '/.well-known/jwks.json')],
    [
      'gateway with a bearer token (JWT check + rate limit)',
      get(system.gateway, '/.well-known/jwks.json', bearer),
    ],
  ];
  const runs = new Map(scenarios.map(([name]) => [name, []]));
  for (let round = 1; round <= rounds; round++) {
    let bare = 0;
    for (const [name, op] of scenarios) {
      const result = await measure(name, op, options);
      if (name === scenarios[0][0]) bare = result.rate;
      runs.get(name).push({ ...result, ratio: result.rate / bare });
      console.log(
        `  round ${round}: ${name} ${result.rate.toFixed(0)} req/s, ${result.errors} errors`,
      );
    }
  }
  console.log(
    `\nmedian of ${rounds} rounds, ${options.concurrency} clients, ${options.duration_ms} ms each`,
  );
  console.log(
    '| scenario | rate | vs bare | p50 ms | p99 ms | errors |\n|:--|--:|--:|--:|--:|--:|',
  );
  for (const [name, results] of runs) {
    const m = (key) => median(results.map((r) => r[key]));
    const errors = results.reduce((sum, r) => sum + r.errors, 0);
    console.log(
      `| ${name} | ${m('rate').toFixed(0)} req/s | ${m('ratio').toFixed(3)} | ${m('p50_ms').toFixed(2)} | ${m('p99_ms').toFixed(2)} | ${errors} |`,
    );
  }
} finally {
  closeClient();
  await system.mf.dispose();
}

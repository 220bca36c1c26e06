// The idempotency history: every client sends the same key at once, round
// after round (a new key each round), with one of two bodies, to
// POST /v1/accounts/me/deposits. Each response says which step of the
// record it saw: it ran (begin + complete), a replay, 409 in flight, 422
// another body, or it failed (may have begun, may have released the key).
import {
  call,
  clients,
  customerHeaders,
  now,
  randomSource,
  registerCustomer,
  sleep,
} from './system.mjs';

const CLIENTS = 8;
const ROUND_MS = 250;
const BODIES = { A: { amount: 100 }, B: { amount: 200 } };

/** The problem type's last segment (`…/idempotency_key_in_flight` → that). */
const problemCode = (res) =>
  String(res.body?.type ?? '')
    .split('/')
    .pop();

function operations(res, ref, clientId) {
  const at = { clientId, call: res.call, return: res.return };
  const op = (input, output) => ({ ...at, input: { ...ref, ...input }, output });
  if (res.timedOut) {
    const lost = { ...at, return: Number.POSITIVE_INFINITY };
    return [
      { ...lost, input: { ...ref, op: 'attempt' }, output: { kind: 'unknown' } },
      { ...lost, input: { ...ref, op: 'abort' }, output: { kind: 'unknown' } },
    ];
  }
  const response = `${res.status} ${res.text}`;
  if (res.headers['idempotent-replayed'] === 'true')
    return [op({ op: 'observe' }, { kind: 'replay', response })];
  const code = problemCode(res);
  if (res.status === 409 && code === 'idempotency_key_in_flight')
    return [op({ op: 'observe' }, { kind: 'in_flight' })];
  if (res.status === 422 && code === 'idempotency_key_reused')
    return [op({ op: 'observe' }, { kind: 'mismatch' })];
  const stored = res.status < 400 || [404, 409, 410, 422].includes(res.status);
  if (!stored)
    return [op({ op: 'attempt' }, { kind: 'failed' }), op({ op: 'abort' }, { kind: 'failed' })];
  return [
    op({ op: 'begin' }, { kind: 'started' }),
    op({ op: 'complete', response }, { kind: 'stored' }),
  ];
}

export async function idempotencyHistory(system, { duration_ms, inject }) {
  const customer = await registerCustomer(system, { region: 'us' });
  const run = Math.floor(Math.random() * 1e9).toString(36);
  const history = [];
  const random = randomSource(33);
  await inject();
  const started = now();
  const until = started + duration_ms;
  let requests = 0;
  await clients(CLIENTS, until, async (i) => {
    const round = Math.floor((now() - started) / ROUND_MS);
    const key = `cns-${run}-${round}`;
    const fingerprint = random() < 0.8 ? 'A' : 'B';
    const request = `r${++requests}`;
    const res = await call(system, '/v1/accounts/me/deposits', {
      method: 'POST',
      headers: customerHeaders(customer, key),
      body: BODIES[fingerprint],
    });
    history.push(...operations(res, { key, request, fingerprint }, i + 1));
    await sleep(random() * 40);
  });
  return { history, clients: CLIENTS, from: started, to: now() };
}

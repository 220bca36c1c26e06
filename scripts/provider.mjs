// The simulated payment provider for local development: it sends the signed
// webhook a real provider sends when a customer pays, so the local system is
// funded the way production is (POST /v1/webhooks/payments, docs/ledger.md).
//
//   npm run provider -- topup <customerId> <amount> [--currency USD] [--event <id>] [--url <base>]
//
// Signs with the first secret of PAYMENT_WEBHOOK_SECRET in .dev.vars (or
// .dev.vars.example); sends to http://localhost:$PORT (8787). Sending the
// same --event again shows a redelivery credits nothing more.
import { createHmac, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readDevVars } from './miniflare.mjs';
import { root } from './workers.mjs';

const USAGE =
  'usage: npm run provider -- topup <customerId> <amount> [--currency USD] [--event <id>] [--url <base>]';

/** `Meridian-Signature` for `rawBody` at `t`: HMAC-SHA256 over "<t>.<raw body>". */
export function signature(secret, t, rawBody) {
  const v1 = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

function devSecret() {
  const local = path.join(root, '.dev.vars');
  const vars = readDevVars(fs.existsSync(local) ? local : undefined);
  const secret = (vars.PAYMENT_WEBHOOK_SECRET ?? '').split(',')[0]?.trim();
  if (!secret) throw new Error('PAYMENT_WEBHOOK_SECRET is not in .dev.vars or .dev.vars.example');
  return secret;
}

export async function topUp({ base, customerId, amount, currency, eventId, secret = devSecret() }) {
  const event = { id: eventId, type: 'top_up.succeeded', data: { customerId, amount, currency } };
  const raw = JSON.stringify(event);
  const res = await fetch(new URL('/v1/webhooks/payments', base), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'meridian-signature': signature(secret, Math.floor(Date.now() / 1000), raw),
    },
    body: raw,
  });
  return { event, status: res.status, body: await res.text() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      currency: { type: 'string', default: 'USD' },
      event: { type: 'string' },
      url: { type: 'string', default: `http://localhost:${process.env.PORT ?? 8787}` },
    },
  });
  const [command, customerId, amountText] = positionals;
  const amount = Number(amountText);
  if (command !== 'topup' || !customerId || !Number.isInteger(amount) || amount <= 0) {
    console.error(USAGE);
    process.exit(2);
  }
  const eventId = values.event ?? `evt_${randomUUID().replaceAll('-', '')}`;
  const sent = await topUp({
    base: values.url,
    customerId,
    amount,
    currency: values.currency,
    eventId,
  });
  console.log(`${sent.status} ${sent.body}  (event ${eventId})`);
  process.exit(sent.status === 200 ? 0 : 1);
}

/**
 * The payment provider, as tests play it: signed webhook events for
 * POST /v1/webhooks/payments, with the development secret unless told
 * otherwise (the same signing code the gateway verifies with).
 */
import { env } from 'cloudflare:workers';
import { signWebhook } from '../../src/funding/signature';
import { call } from './clients';

/** The provider's ids are its own, not ours. */
export const providerEventId = (): string => `evt_${crypto.randomUUID().replaceAll('-', '')}`;

export function topUpEvent(customerId: string, amount: number, id = providerEventId()) {
  return { id, type: 'top_up.succeeded', data: { customerId, amount, currency: 'USD' } };
}

export const devWebhookSecret = (): string =>
  (env.PAYMENT_WEBHOOK_SECRET.split(',')[0] ?? '').trim();

export interface SendOptions {
  secret?: string;
  /** Signing time, unix seconds (default now). */
  t?: number;
  /** Sends this header instead of a signature. */
  header?: string | null;
}

/** Signs `body` (an object, or the exact raw text) as the provider would and posts it. */
export async function sendWebhook(body: unknown, options: SendOptions = {}): Promise<Response> {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const t = options.t ?? Math.floor(Date.now() / 1000);
  const header =
    options.header === undefined
      ? await signWebhook(options.secret ?? devWebhookSecret(), t, raw)
      : options.header;
  const headers: Record<string, string> = header === null ? {} : { 'meridian-signature': header };
  return call('POST', '/v1/webhooks/payments', { body: raw, headers });
}

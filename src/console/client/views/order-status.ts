/**
 * What the order list and an order's page share: the tone of a status badge,
 * and the customers of the orders listed in this session.
 */
import type { Tone } from '../dom';

export function statusTone(status: string): Tone {
  if (status === 'CONFIRMED') return 'ok';
  if (status === 'REJECTED' || status === 'CANCELLED') return 'bad';
  if (status === 'COMPENSATING') return 'warn';
  return 'info';
}

/**
 * Customers of the orders listed in this session: an order's own view
 * (GET /v1/orders/{id}) does not carry its customer.
 */
export const customerOfOrder = new Map<string, string>();

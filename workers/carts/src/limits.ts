/**
 * A cart's limits, checked where a write is taken (the serving replica). A
 * concurrent add at another replica can still take a line past a limit after
 * the merge (that is what accepting writes under partition means): the cart
 * shows it, further adds are refused, and a checkout asks to fix it first.
 */
import type { ProblemSpec } from '@common/problem';
import type { CartConfig } from './config';
import { type CartItem, type CartState, itemsOf, quantityIn } from './crdt';

const problemOf = (code: string, detail: string): ProblemSpec => ({ status: 409, code, detail });

export function refuseAdd(
  cart: CartState,
  sku: string,
  quantity: number,
  config: CartConfig,
): ProblemSpec | null {
  const held = quantityIn(cart, sku);
  if (held + quantity > config.line_quantity_max)
    return problemOf(
      'cart_line_quantity_limit',
      `a line holds at most ${config.line_quantity_max}; ${sku} has ${held}`,
    );
  if (held === 0 && itemsOf(cart).length >= config.lines_max)
    return problemOf('cart_lines_limit', `a cart holds at most ${config.lines_max} lines`);
  if (!(sku in cart.lines) && Object.keys(cart.lines).length >= config.skus_max)
    return problemOf(
      'cart_sku_history_limit',
      `this cart has held ${config.skus_max} different SKUs, its most; check it out or use another account`,
    );
  return null;
}

export function refuseCheckout(items: readonly CartItem[], config: CartConfig): ProblemSpec | null {
  if (items.length === 0) return problemOf('cart_empty', 'the cart has no lines to check out');
  if (items.length > config.lines_max)
    return problemOf(
      'cart_lines_limit',
      `an order takes at most ${config.lines_max} lines; remove some first`,
    );
  const over = items.find((i) => i.quantity > config.line_quantity_max);
  if (over)
    return problemOf(
      'cart_line_quantity_limit',
      `${over.sku} has ${over.quantity}, more than the ${config.line_quantity_max} an order line takes`,
    );
  return null;
}

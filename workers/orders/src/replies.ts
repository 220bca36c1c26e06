/**
 * What a service's answer to a saga command means to the saga. Inventory and
 * payments answer every command with one CommandResult (common/commands.ts),
 * returned by the direct call or sent on the saga replies queue; this turns
 * it into the saga's own reply kind.
 */
import type { CommandResult } from '@common/commands';
import { INVENTORY_COMMANDS } from '@common/contracts/inventory';
import { MESSAGE } from '@common/contracts/orders';
import { PAYMENT_COMMANDS } from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';

export interface SagaReply {
  /** The reply's message id (derived from the command's): the saga's inbox key. */
  id: string;
  orderId: string;
  /** A MESSAGE kind, or undefined when the answer changes nothing for the saga. */
  type: string | undefined;
  reason?: string;
  /** The service's answer as it came, for the saga's log. */
  result: unknown;
}

const ANSWERS: Record<string, [ok: string, failed: string | undefined]> = {
  [INVENTORY_COMMANDS.reserveItems]: [MESSAGE.stockReserved, MESSAGE.stockUnavailable],
  [INVENTORY_COMMANDS.confirmReservation]: [
    MESSAGE.reservationConfirmed,
    MESSAGE.reservationConfirmFailed,
  ],
  // A release that failed for good (never a transient failure: those are retried
  // by the queue) leaves the compensation pending; the saga sends it again.
  [INVENTORY_COMMANDS.releaseReservation]: [MESSAGE.reservationReleased, undefined],
  [PAYMENT_COMMANDS.capturePayment]: [MESSAGE.paymentCaptured, MESSAGE.paymentDeclined],
  [PAYMENT_COMMANDS.compensateCapture]: [MESSAGE.paymentRefunded, undefined],
};

export function sagaReplyOf(envelope: Envelope): SagaReply {
  const result = envelope.payload as Partial<CommandResult> | null;
  // The saga sends every command with the order id as its correlation id.
  const base = { id: envelope.id, orderId: envelope.correlationId, result: envelope.payload };
  const answers = result?.commandType ? ANSWERS[result.commandType] : undefined;
  if (!answers || typeof result?.ok !== 'boolean') return { ...base, type: undefined };
  const [ok, failed] = answers;
  return {
    ...base,
    type: result.ok ? ok : failed,
    ...(result.ok || !result.problem ? {} : { reason: result.problem.code }),
  };
}

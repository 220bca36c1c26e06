/**
 * The order saga's payment commands, from the payment commands queue: each
 * runs through the same at-most-once RPC as a direct call (the operation id is
 * in the payload) and is answered with one result event on the saga replies
 * queue. `insufficient_funds` is an answer, not a failure to retry.
 */
import { answerCommand, type CommandHandlers } from '@common/commands';
import type { ConsumeOutcome } from '@common/consumer';
import {
  type CaptureInput,
  type CompensateCaptureInput,
  type LedgerReceipt,
  PAYMENT_COMMAND_RESULT,
  PAYMENT_COMMANDS,
  type RefundInput,
} from '@common/contracts/payments';
import type { Envelope } from '@common/envelope';
import type { Result } from '@common/problem';
import type { CallMeta } from '@common/rpc';

export interface PaymentCommands {
  capturePayment(input: CaptureInput, meta: CallMeta): Promise<Result<LedgerReceipt>>;
  refundPayment(input: RefundInput, meta: CallMeta): Promise<Result<LedgerReceipt>>;
  compensateCapture(
    input: CompensateCaptureInput,
    meta: CallMeta,
  ): Promise<Result<{ refunded: number }>>;
}

export type ReplySender = (reply: Envelope) => Promise<void>;

export async function handlePaymentCommand(
  service: PaymentCommands,
  envelope: Envelope,
  reply: ReplySender,
): Promise<ConsumeOutcome> {
  const handlers: CommandHandlers = {
    [PAYMENT_COMMANDS.capturePayment]: (payload, meta) =>
      service.capturePayment(payload as CaptureInput, meta),
    [PAYMENT_COMMANDS.refundPayment]: (payload, meta) =>
      service.refundPayment(payload as RefundInput, meta),
    [PAYMENT_COMMANDS.compensateCapture]: (payload, meta) =>
      service.compensateCapture(payload as CompensateCaptureInput, meta),
  };
  return answerCommand(envelope, handlers, PAYMENT_COMMAND_RESULT, reply);
}

/**
 * The order saga's payment commands, from the payment commands queue: each
 * runs through the same at-most-once RPC as a direct call (the operation id is
 * in the payload) and is answered with one result event on the saga replies
 * queue. `insufficient_funds` is an answer, not a failure to retry.
 */
import { isTransient, replyTo } from '@common/commands';
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
  const meta: CallMeta = { requestId: envelope.id, traceparent: envelope.traceparent };
  let result: Result<unknown>;
  switch (envelope.type) {
    case PAYMENT_COMMANDS.capturePayment:
      result = await service.capturePayment(envelope.payload as CaptureInput, meta);
      break;
    case PAYMENT_COMMANDS.refundPayment:
      result = await service.refundPayment(envelope.payload as RefundInput, meta);
      break;
    case PAYMENT_COMMANDS.compensateCapture:
      result = await service.compensateCapture(envelope.payload as CompensateCaptureInput, meta);
      break;
    default:
      return 'ignored';
  }
  if (isTransient(result))
    throw new Error(`${envelope.type} not done yet: ${result.ok ? '' : result.problem.detail}`);
  await reply(replyTo(envelope, PAYMENT_COMMAND_RESULT, result));
  return 'applied';
}

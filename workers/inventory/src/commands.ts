/**
 * The order saga's commands, from the inventory commands queue. Each runs
 * through the same idempotent RPC as a direct call and is answered with one
 * result event on the saga replies queue. A confirm or release that meets an
 * unavailable shard is retried by the queue (they must happen eventually); a
 * reserve is answered at once, failure included (its holds were released).
 */
import { answerCommand, type CommandHandlers } from '@common/commands';
import type { ConsumeOutcome } from '@common/consumer';
import {
  INVENTORY_COMMAND_RESULT,
  INVENTORY_COMMANDS,
  type ReleasedReservation,
  type Reservation,
  type ReservationRefInput,
  type ReserveItemsInput,
} from '@common/contracts/inventory';
import type { Envelope } from '@common/envelope';
import type { Result } from '@common/problem';
import type { CallMeta } from '@common/rpc';

export interface InventoryCommands {
  reserveItems(input: ReserveItemsInput, meta: CallMeta): Promise<Result<Reservation>>;
  confirmReservation(input: ReservationRefInput, meta: CallMeta): Promise<Result<Reservation>>;
  releaseReservation(
    input: ReservationRefInput,
    meta: CallMeta,
  ): Promise<Result<ReleasedReservation>>;
}

export type ReplySender = (reply: Envelope) => Promise<void>;

/** The payload, with the envelope's correlation id unless the payload names one. */
function inputOf<T>(envelope: Envelope): T {
  const payload =
    typeof envelope.payload === 'object' && envelope.payload !== null ? envelope.payload : {};
  return { correlationId: envelope.correlationId, ...payload } as T;
}

export async function handleInventoryCommand(
  service: InventoryCommands,
  envelope: Envelope,
  reply: ReplySender,
): Promise<ConsumeOutcome> {
  const handlers: CommandHandlers = {
    [INVENTORY_COMMANDS.reserveItems]: (_p, meta) => service.reserveItems(inputOf(envelope), meta),
    [INVENTORY_COMMANDS.confirmReservation]: (_p, meta) =>
      service.confirmReservation(inputOf(envelope), meta),
    [INVENTORY_COMMANDS.releaseReservation]: (_p, meta) =>
      service.releaseReservation(inputOf(envelope), meta),
  };
  // A reserve that met an unavailable shard released its holds: that is its answer.
  return answerCommand(
    envelope,
    handlers,
    INVENTORY_COMMAND_RESULT,
    reply,
    (type) => type === INVENTORY_COMMANDS.reserveItems,
  );
}

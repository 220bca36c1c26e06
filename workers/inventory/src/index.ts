/**
 * Inventory service: typed RPC for the gateway and the order saga. It routes
 * each SKU to its shard leader in the region and never exposes the Durable
 * Objects themselves. Reservations that span shards go through the
 * coordinator (two-phase hold with expiry).
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { answerDirectly, type CommandResult, SAGA_REPLIES } from '@common/commands';
import { consumeBatch, consumerOptions } from '@common/consumer';
import {
  type ReleasedReservation,
  type Reservation,
  type ReservationRefInput,
  ReservationRefInputSchema,
  type ReserveItemsInput,
  ReserveItemsInputSchema,
  type RestockInput,
  RestockInputSchema,
  type ShardReservation,
  SkuSchema,
  type StockLevel,
} from '@common/contracts/inventory';
import type { Envelope } from '@common/envelope';
import { createLogger } from '@common/log';
import { fail, ok, type Result } from '@common/problem';
import { queueSender } from '@common/queues';
import { isRegion, type Region, regionalStub } from '@common/regions';
import { type CallMeta, type HealthReport, healthReport } from '@common/rpc';
import type { z } from 'zod';
import { handleInventoryCommand } from './commands';
import { ReservationCoordinator } from './coordinator';
import { shardFor } from './ring';
import type { InventoryShard } from './shard';

export { InventoryShard } from './shard';

function invalid<T>(error: z.ZodError): Result<T> {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join('.') || '(root)';
  return fail(400, 'reservation_invalid', `${path}: ${issue?.message ?? 'invalid'}`, {
    errors: error.issues.map((i) => ({
      path: i.path.map(String).join('.') || '(root)',
      message: i.message,
    })),
  });
}

export default class InventoryService extends WorkerEntrypoint<InventoryEnv> {
  #shard(region: Region, shard: string): DurableObjectStub<InventoryShard> {
    return regionalStub(this.env.INVENTORY_SHARD, region, shard);
  }

  #coordinator(region: Region, meta: CallMeta): ReservationCoordinator {
    return new ReservationCoordinator(
      {
        shardOf: (sku) => shardFor(this.env.INVENTORY_SHARDS, region, sku),
        stub: (shard) => this.#shard(region, shard),
      },
      {
        confirm_grace_ms: Number(this.env.RESERVATION_CONFIRM_GRACE_MS) || 10 * 60 * 1000,
        log: createLogger({ service: 'inventory', ...meta }),
      },
    );
  }

  /** Linearizable read from the SKU's shard leader. */
  async getStock(sku: string, region: Region): Promise<Result<StockLevel>> {
    if (!SkuSchema.safeParse(sku).success)
      return fail(400, 'sku_invalid', `"${sku}" is not a valid sku`);
    if (!isRegion(region)) return fail(400, 'region_unknown', `unknown region "${region}"`);
    return ok(await this.#shard(region, this.shardOf(sku, region)).getStock(sku, region));
  }

  /** Adds stock; idempotent by `operationId`. */
  async restock(
    input: RestockInput,
    meta: CallMeta,
  ): Promise<Result<StockLevel & { applied: boolean }>> {
    const parsed = RestockInputSchema.safeParse(input);
    if (!parsed.success)
      return fail(400, 'restock_invalid', parsed.error.issues[0]?.message ?? 'invalid');
    const { region, sku } = parsed.data;
    return ok(await this.#shard(region, this.shardOf(sku, region)).restock(parsed.data, meta));
  }

  /**
   * Phase 1: holds every item, across shards, all or nothing, until `ttl_ms`
   * from now. Linearizable per shard; idempotent by `reservationId` (a repeat
   * answers with the current state and never holds twice). Any failure
   * releases what was held; the caller retries a 503 with the same id only
   * to learn the outcome, and uses a new id for a new attempt.
   */
  async reserveItems(input: ReserveItemsInput, meta: CallMeta): Promise<Result<Reservation>> {
    const parsed = ReserveItemsInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return this.#coordinator(parsed.data.region, meta).reserveItems(parsed.data, meta);
  }

  /** Phase 2: held → sold on every shard. Idempotent; retry a 503 until it answers. */
  async confirmReservation(
    input: ReservationRefInput,
    meta: CallMeta,
  ): Promise<Result<Reservation>> {
    const parsed = ReservationRefInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return this.#coordinator(parsed.data.region, meta).confirmReservation(parsed.data, meta);
  }

  /** Compensation: held → available on every shard. Idempotent; safe before the hold arrives. */
  async releaseReservation(
    input: ReservationRefInput,
    meta: CallMeta,
  ): Promise<Result<ReleasedReservation>> {
    const parsed = ReservationRefInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return this.#coordinator(parsed.data.region, meta).releaseReservation(parsed.data, meta);
  }

  /** One shard's part of a reservation (for operators and the saga's diagnostics). */
  async getReservation(
    reservationId: string,
    region: Region,
    sku: string,
  ): Promise<Result<ShardReservation>> {
    if (!isRegion(region)) return fail(400, 'region_unknown', `unknown region "${region}"`);
    if (!SkuSchema.safeParse(sku).success)
      return fail(400, 'sku_invalid', `"${sku}" is not a valid sku`);
    const found = await this.#shard(region, this.shardOf(sku, region)).getReservation(
      reservationId,
    );
    return found
      ? ok(found)
      : fail(404, 'reservation_not_found', `no reservation ${reservationId}`);
  }

  /** Which shard owns a SKU (for operators and tests of the ring). */
  shardOf(sku: string, region: Region): string {
    return shardFor(this.env.INVENTORY_SHARDS, region, sku);
  }

  /**
   * A saga command called directly (the saga's fast path): the same
   * idempotent handling as from the queue, answered with the reply it would
   * have sent there. Throws when the command is not done yet (the saga then
   * sends it over the queue, which retries it).
   */
  async runCommand(command: Envelope): Promise<Envelope<CommandResult>> {
    return answerDirectly(command, (envelope, reply) =>
      handleInventoryCommand(this, envelope, reply),
    );
  }

  /**
   * The saga's commands (queues meridian-inventory-commands-<region>); each
   * result goes to the replies queue of the command's region.
   */
  override async queue(batch: MessageBatch<unknown>): Promise<void> {
    const send = queueSender(this.env);
    await consumeBatch(
      batch,
      (envelope) => handleInventoryCommand(this, envelope, (reply) => send(SAGA_REPLIES, [reply])),
      consumerOptions('inventory', this.env),
    );
  }

  async health(): Promise<HealthReport> {
    return healthReport('inventory', {
      shard: () => this.#shard('us', this.shardOf('__health__', 'us')).getStock('__health__', 'us'),
    });
  }
}

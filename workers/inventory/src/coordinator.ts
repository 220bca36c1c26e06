/**
 * Reservations whose items span several shards, as a two-phase hold.
 *
 * Phase 1 (`reserveItems`) holds each shard's items with an expiry. Any
 * failure releases every shard the reservation maps to (a shard that never
 * saw the hold keeps a tombstone, so a late hold cannot appear). Phase 2
 * (`confirmReservation`, after payment) first pins every hold beyond the
 * expiry so none can lapse mid-way, then confirms them all; every step is
 * idempotent, so a retry finishes what a crashed call started.
 *
 * The coordinator keeps no state: if it dies between phases, or between a
 * hold and its release, each shard's expiry returns the stock by itself.
 */
import type {
  ReleasedReservation,
  Reservation,
  ReservationItem,
  ReservationRefInput,
  ReserveItemsInput,
  ShardReservation,
} from '@common/contracts/inventory';
import { errorMessage, type Logger } from '@common/log';
import { ok, type ProblemSpec, type Result } from '@common/problem';
import type { CallMeta } from '@common/rpc';
import { fingerprintOf, normalizeItems } from './reservation';
import type { InventoryShard, ShardRef } from './shard';

export interface ShardDirectory {
  shardOf(sku: string): string;
  stub(shard: string): DurableObjectStub<InventoryShard>;
}

export interface CoordinatorOptions {
  /** How long a pinned hold outlives a confirmation that stalls between pin and confirm. */
  confirm_grace_ms: number;
  log: Logger;
}

type Outcome =
  | { shard: string; result: Result<ShardReservation> }
  | { shard: string; error: string };

const UNAVAILABLE: ProblemSpec = {
  status: 503,
  code: 'inventory_unavailable',
  detail: 'a stock shard did not answer; retry the same call',
  retryAfter: 1,
};

/** The first failure that decides the answer: stock, then conflicts, then lapsed holds. */
const FAILURE_ORDER = [
  'out_of_stock',
  'reservation_id_reused',
  'reservation_confirmed',
  'reservation_not_found',
  'reservation_expired',
  'reservation_released',
];

export class ReservationCoordinator {
  readonly #shards: ShardDirectory;
  readonly #options: CoordinatorOptions;

  constructor(shards: ShardDirectory, options: CoordinatorOptions) {
    this.#shards = shards;
    this.#options = options;
  }

  async reserveItems(input: ReserveItemsInput, meta: CallMeta): Promise<Result<Reservation>> {
    const groups = this.#group(normalizeItems(input.items));
    const fingerprint = await fingerprintOf(input.items);
    const { reservationId, region, ttl_ms, correlationId } = input;
    const outcomes = await this.#each([...groups.keys()], (stub, shard) =>
      stub.reserve(
        {
          reservationId,
          region,
          items: groups.get(shard) ?? [],
          fingerprint,
          ttl_ms,
          ...(correlationId ? { correlationId } : {}),
        },
        meta,
      ),
    );
    const views = successes(outcomes);
    if (views.length === outcomes.length) return ok(combine(input, views, groups));
    // A reused id must not undo the reservation that owns it: every shard that
    // knows the id refused, so only the holds this call created are released.
    const reused = outcomes.some(
      (o) => 'result' in o && !o.result.ok && o.result.problem.code === 'reservation_id_reused',
    );
    const undo = reused
      ? outcomes.filter((o) => 'result' in o && o.result.ok).map((o) => o.shard)
      : [...groups.keys()];
    await this.#releaseAll(input, undo, meta);
    return { ok: false, problem: decisive(outcomes) };
  }

  async confirmReservation(
    input: ReservationRefInput,
    meta: CallMeta,
  ): Promise<Result<Reservation>> {
    const shards = this.#shardsOf(input.skus);
    const ref = refOf(input);
    if (shards.length > 1) {
      const until = Date.now() + this.#options.confirm_grace_ms;
      const pins = await this.#each(shards, (stub) => stub.pin(ref, until, meta));
      if (pins.some((o) => 'error' in o)) return { ok: false, problem: UNAVAILABLE };
      if (successes(pins).length < pins.length) {
        // A hold lapsed before the pin: the reservation is no longer whole.
        const released = await this.#releaseAll(input, shards, meta);
        if (released.some((o) => 'result' in o && !o.result.ok)) {
          this.#options.log.error('reservation.partially_confirmed', {
            reservationId: input.reservationId,
          });
        }
        return { ok: false, problem: decisive(pins) };
      }
    }
    const confirms = await this.#each(shards, (stub) => stub.confirm(ref, meta));
    const views = successes(confirms);
    if (views.length < confirms.length) return { ok: false, problem: decisive(confirms) };
    const items = normalizeItems(views.flatMap((v) => v.items));
    return ok({
      reservationId: input.reservationId,
      region: input.region,
      status: 'confirmed',
      items,
      expiresAt: Math.min(...views.map((v) => v.expiresAt)),
      shards,
    });
  }

  async releaseReservation(
    input: ReservationRefInput,
    meta: CallMeta,
  ): Promise<Result<ReleasedReservation>> {
    const shards = this.#shardsOf(input.skus);
    const outcomes = await this.#releaseAll(input, shards, meta);
    if (outcomes.some((o) => 'error' in o)) return { ok: false, problem: UNAVAILABLE };
    if (successes(outcomes).length < outcomes.length)
      return { ok: false, problem: decisive(outcomes) };
    return ok({
      reservationId: input.reservationId,
      region: input.region,
      status: 'released',
      shards,
    });
  }

  #releaseAll(input: ShardRef, shards: string[], meta: CallMeta): Promise<Outcome[]> {
    const ref = refOf(input);
    return this.#each(shards, (stub) => stub.release(ref, meta));
  }

  #group(items: ReservationItem[]): Map<string, ReservationItem[]> {
    const groups = new Map<string, ReservationItem[]>();
    for (const item of items) {
      const shard = this.#shards.shardOf(item.sku);
      groups.set(shard, [...(groups.get(shard) ?? []), item]);
    }
    return groups;
  }

  #shardsOf(skus: string[]): string[] {
    return [...new Set(skus.map((sku) => this.#shards.shardOf(sku)))].sort();
  }

  /** Calls every shard in parallel; a thrown call becomes an `error` outcome, never a rejection. */
  async #each(
    shards: string[],
    call: (
      stub: DurableObjectStub<InventoryShard>,
      shard: string,
    ) => Promise<Result<ShardReservation>>,
  ): Promise<Outcome[]> {
    return Promise.all(
      shards.map(async (shard): Promise<Outcome> => {
        try {
          return { shard, result: await call(this.#shards.stub(shard), shard) };
        } catch (error) {
          this.#options.log.warn('reservation.shard_failed', { shard, error: errorMessage(error) });
          return { shard, error: errorMessage(error) };
        }
      }),
    );
  }
}

function refOf({ reservationId, region, correlationId }: ShardRef): ShardRef {
  return correlationId === undefined
    ? { reservationId, region }
    : { reservationId, region, correlationId };
}

function successes(outcomes: Outcome[]): ShardReservation[] {
  return outcomes.flatMap((o) => ('result' in o && o.result.ok ? [o.result.value] : []));
}

/** The answer for a failed multi-shard call; shortages of every shard are merged. */
function decisive(outcomes: Outcome[]): ProblemSpec {
  const problems = outcomes.flatMap((o) =>
    'result' in o && !o.result.ok ? [o.result.problem] : [],
  );
  const rank = (p: ProblemSpec) => {
    const i = FAILURE_ORDER.indexOf(p.code);
    return i === -1 ? FAILURE_ORDER.length : i;
  };
  const first = [...problems].sort((a, b) => rank(a) - rank(b))[0];
  if (!first) return UNAVAILABLE;
  if (first.code !== 'out_of_stock') return first;
  const errors = problems.filter((p) => p.code === 'out_of_stock').flatMap((p) => p.errors ?? []);
  return { ...first, detail: 'not enough stock for every item', errors };
}

function combine(
  input: ReserveItemsInput,
  views: ShardReservation[],
  groups: Map<string, ReservationItem[]>,
): Reservation {
  return {
    reservationId: input.reservationId,
    region: input.region,
    status: views.every((v) => v.status === 'confirmed') ? 'confirmed' : 'held',
    items: normalizeItems(views.flatMap((v) => v.items)),
    expiresAt: Math.min(...views.map((v) => v.expiresAt)),
    shards: [...groups.keys()].sort(),
  };
}

/**
 * The world the saga's model test runs in: simulated inventory and payments
 * services (idempotent, as the real ones), a network that the test reorders
 * and duplicates, and the effect runner that sends each command by one of
 * its paths (the queue, or the fast path and its failures).
 */
import { INVENTORY_COMMANDS } from '@common/contracts/inventory';
import { MESSAGE } from '@common/contracts/orders';
import { PAYMENT_COMMANDS } from '@common/contracts/payments';
import { isDirect } from '../src/fast-path';
import { decide, type Effect, type SagaState, type SagaTimings, start } from '../src/machine';

export const timings: SagaTimings = { step_ms: 1000, retry_ms: 300 };

/** How the effect runner delivers one command. */
export const PATHS = ['queue', 'direct', 'direct_fails', 'direct_reply_lost'] as const;
export type Path = (typeof PATHS)[number];

export interface Message {
  to: 'inventory' | 'payments' | 'saga';
  type: string;
  payload: Record<string, unknown>;
}

export interface World {
  now: number;
  saga: SagaState;
  network: Message[];
  /** Replies returned by direct calls, applied by the saga in a later transaction. */
  direct: Message[];
  /** The path of the n-th command (cycled). */
  paths: readonly Path[];
  commands: number;
  stock: number;
  held: Map<string, number>;
  confirmed: Map<string, number>;
  sold: number;
  releasedIds: Set<string>;
  balance: number;
  captured: Map<string, number>;
  refunded: Set<string>;
  voided: Set<string>;
}

const ownerOf = (e: Effect): Message['to'] | undefined =>
  e.type.startsWith('inventory.')
    ? 'inventory'
    : e.type.startsWith('payments.')
      ? 'payments'
      : undefined;

/** The owner applies the command now and its reply goes where `replies` says. */
function applyAt(world: World, m: Message, replies: Message[]): void {
  const before = world.network.length;
  if (m.to === 'inventory') inventory(world, m.type, m.payload);
  else payments(world, m.type, m.payload);
  replies.push(...world.network.splice(before));
}

/** The effect runner: each command by its path; events do not reach the services. */
export function send(world: World, effects: Effect[]): void {
  for (const e of effects) {
    const to = ownerOf(e);
    if (!to) continue;
    const command: Message = { to, type: e.type, payload: e.payload as Record<string, unknown> };
    const path: Path = isDirect(e.destination)
      ? (world.paths[world.commands++ % world.paths.length] ?? 'queue')
      : 'queue';
    if (path === 'direct') applyAt(world, command, world.direct);
    else if (path === 'direct_reply_lost') {
      applyAt(world, command, []);
      world.network.push(command);
    } else world.network.push(command);
  }
}

const reply = (world: World, type: string): void => {
  world.network.push({ to: 'saga', type, payload: {} });
};

/**
 * Inventory: holds with tombstones, so a release that overtakes its reserve
 * still wins, and a release of a confirmed reservation returns its units
 * (the compensation of a cancel that raced the confirmation).
 */
function inventory(world: World, type: string, p: Record<string, unknown>): void {
  const id = String(p.reservationId);
  const qty = ((p.items as Array<{ quantity: number }> | undefined) ?? []).reduce(
    (s, i) => s + i.quantity,
    0,
  );
  if (type === INVENTORY_COMMANDS.reserveItems) {
    // Idempotent by reservation id, as the shard is: a redelivered reserve of
    // a held or confirmed reservation answers the same and holds nothing more.
    if (world.held.has(id) || world.confirmed.has(id)) {
      reply(world, MESSAGE.stockReserved);
      return;
    }
    if (world.releasedIds.has(id) || world.stock < qty) {
      reply(world, MESSAGE.stockUnavailable);
      return;
    }
    world.stock -= qty;
    world.held.set(id, qty);
    reply(world, MESSAGE.stockReserved);
    return;
  }
  if (type === INVENTORY_COMMANDS.confirmReservation) {
    const q = world.held.get(id);
    if (q === undefined) {
      reply(
        world,
        world.confirmed.has(id) ? MESSAGE.reservationConfirmed : MESSAGE.reservationConfirmFailed,
      );
      return;
    }
    world.held.delete(id);
    world.confirmed.set(id, q);
    world.sold += q;
    reply(world, MESSAGE.reservationConfirmed);
    return;
  }
  if (type === INVENTORY_COMMANDS.releaseReservation) {
    const q = world.held.get(id);
    if (q !== undefined) {
      world.held.delete(id);
      world.stock += q;
    }
    const sold = world.confirmed.get(id);
    if (sold !== undefined) {
      world.confirmed.delete(id);
      world.sold -= sold;
      world.stock += sold;
    }
    world.releasedIds.add(id);
    reply(world, MESSAGE.reservationReleased);
    return;
  }
}

/** Payments: captures at most once, refunds at most once, a refund before its capture voids it. */
function payments(world: World, type: string, p: Record<string, unknown>): void {
  const amount = Number(p.amount);
  if (type === PAYMENT_COMMANDS.capturePayment) {
    const op = String(p.operationId);
    if (world.captured.has(op)) {
      reply(world, MESSAGE.paymentCaptured);
      return;
    }
    if (world.voided.has(op) || world.balance < amount) {
      reply(world, MESSAGE.paymentDeclined);
      return;
    }
    world.balance -= amount;
    world.captured.set(op, amount);
    reply(world, MESSAGE.paymentCaptured);
    return;
  }
  if (type === PAYMENT_COMMANDS.compensateCapture) {
    const capture = String(p.captureOperationId);
    const paid = world.captured.get(capture);
    if (paid !== undefined && !world.refunded.has(capture)) {
      world.balance += paid;
      world.refunded.add(capture);
    } else if (paid === undefined) {
      world.voided.add(capture);
    }
    reply(world, MESSAGE.paymentRefunded);
    return;
  }
}

function toSaga(world: World, type: string): void {
  const d = decide(world.saga, { kind: 'reply', type }, world.now, timings);
  world.saga = d.state;
  send(world, d.effects);
}

export function deliver(world: World, index: number, duplicate: boolean): void {
  const [message] = duplicate ? [world.network[index]] : world.network.splice(index, 1);
  if (!message) return;
  if (message.to === 'saga') toSaga(world, message.type);
  else applyAt(world, message, world.network);
}

/** The saga applies one reply a direct call returned. */
export function answer(world: World, index: number): void {
  const [message] = world.direct.splice(index, 1);
  if (message) toSaga(world, message.type);
}

export function tick(world: World, ms: number): void {
  world.now += ms;
  const d = decide(world.saga, { kind: 'deadline' }, world.now, timings);
  world.saga = d.state;
  send(world, d.effects);
}

/** A world where the saga was just placed and its first command sent. */
export function placed(
  stock0: number,
  quantity: number,
  balance0: number,
  paths: readonly Path[],
): World {
  const items = [{ sku: 'SKU-1', quantity, unitPrice: { amount: 10, currency: 'USD' } }];
  const first = start({ orderId: 'ord_1', customerId: 'cus_1', region: 'us', items }, 0, timings);
  const world: World = {
    now: 0,
    saga: first.state,
    network: [],
    direct: [],
    paths,
    commands: 0,
    stock: stock0,
    held: new Map(),
    confirmed: new Map(),
    sold: 0,
    releasedIds: new Set(),
    balance: balance0,
    captured: new Map(),
    refunded: new Set(),
    voided: new Set(),
  };
  send(world, first.effects);
  return world;
}

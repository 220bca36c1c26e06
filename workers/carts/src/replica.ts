/**
 * CartReplica: one replica of one customer's cart, a Durable Object at one
 * site (workers/carts/src/placement.ts). It takes writes on its own, always
 * (AP): each write is decided by the pure replication module, and the new
 * state and the messages it causes commit in one transaction (outbox), then
 * go to the peers' regional queues. While a peer lacks some of this
 * replica's changes, the alarm sends it the whole state (anti-entropy),
 * backing off from CART_ANTI_ENTROPY_MS to CART_ANTI_ENTROPY_MS_MAX.
 *
 * The primary replica also keeps the customer's checkouts: the lines each
 * order took and the counters they came from, so the order's confirmation
 * takes exactly those out of the cart.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import type { CartView } from '@common/contracts/carts';
import { hasTable, migrateSqlite } from '@common/do-schema';
import { makeEnvelope } from '@common/envelope';
import { createLogger } from '@common/log';
import { OUTBOX_HOLD, OUTBOX_TABLE, Outbox, type OutboxSender } from '@common/outbox';
import type { Result } from '@common/problem';
import { queueSender } from '@common/queues';
import type { CallMeta } from '@common/rpc';
import { childTraceparent } from '@common/trace';
import { CHECKOUTS_SCHEMA, type CheckoutRecord, Checkouts } from './checkouts';
import { type CartConfig, cartConfig } from './config';
import { addDelta, clearDelta, itemsOf, removeDelta, type Snapshot, snapshotOf } from './crdt';
import { refuseAdd } from './limits';
import { REPLICATION_DESTINATION, REPLICATION_MESSAGE, type ReplicationPayload } from './messages';
import { type ReplicaRef, replicaById, replicasOf } from './placement';
import {
  antiEntropy,
  behind,
  type Message,
  newReplica,
  type ReplicaState,
  receive,
  write,
} from './replication';

/** Which replica of whose cart a call is for (the object does not know its own name). */
export interface ReplicaAddress {
  customerId: string;
  home: ReplicaRef['region'];
  replica: string;
}

export interface ReplicaInspection {
  id: string;
  region: string;
  items: CartView['items'];
  version: CartView['version'];
  /** Peers that lack some of this replica's changes, as far as it knows. */
  behind: string[];
  undelivered: number;
}

interface Row {
  replica: ReplicaState;
  antiEntropyAt: number | null;
  antiEntropyDelay_ms: number;
}

const SCHEMA = [
  [
    `CREATE TABLE replica (id INTEGER PRIMARY KEY CHECK (id = 1), customer_id TEXT NOT NULL,
      home TEXT NOT NULL, replica TEXT NOT NULL, state TEXT NOT NULL, anti_entropy_at INTEGER,
      anti_entropy_delay_ms INTEGER NOT NULL)`,
    ...OUTBOX_TABLE,
    ...OUTBOX_HOLD,
  ],
  CHECKOUTS_SCHEMA,
];

export class CartReplica extends DurableObject<CartsEnv> {
  /** Replaced in tests to simulate a queue outage. */
  send: OutboxSender;
  readonly config: CartConfig;
  #outbox: Outbox | undefined;

  constructor(ctx: DurableObjectState, env: CartsEnv) {
    super(ctx, env);
    this.send = queueSender(env);
    this.config = cartConfig(env);
  }

  /** Reads of a replica that never took a write create no storage (every order event asks the primary). */
  get #created(): boolean {
    return hasTable(this.ctx.storage, 'replica');
  }

  #open(): Outbox {
    if (!this.#outbox) {
      migrateSqlite(this.ctx.storage, SCHEMA);
      this.#outbox = new Outbox(this.ctx.storage, { retry_ms: this.config.outbox_retry_ms });
    }
    return this.#outbox;
  }

  #ref(address: ReplicaAddress): ReplicaRef {
    const ref = replicaById(address.home, address.replica);
    if (!ref) throw new Error(`${address.replica} is not a cart replica of region ${address.home}`);
    return ref;
  }

  #load(address: ReplicaAddress): Row {
    const ref = this.#ref(address);
    const fresh: Row = {
      replica: newReplica(
        ref.id,
        replicasOf(address.home).map((r) => r.id),
      ),
      antiEntropyAt: null,
      antiEntropyDelay_ms: this.config.anti_entropy_ms,
    };
    if (!this.#created) return fresh;
    const row = this.ctx.storage.sql
      .exec<{
        customer_id: string;
        replica: string;
        state: string;
        anti_entropy_at: number | null;
        anti_entropy_delay_ms: number;
      }>('SELECT customer_id, replica, state, anti_entropy_at, anti_entropy_delay_ms FROM replica')
      .toArray()[0];
    if (!row) return fresh;
    if (row.customer_id !== address.customerId || row.replica !== ref.id)
      throw new Error(
        `replica of ${row.customer_id}/${row.replica} asked as ${address.customerId}/${ref.id}`,
      );
    return {
      replica: JSON.parse(row.state) as ReplicaState,
      antiEntropyAt: row.anti_entropy_at,
      antiEntropyDelay_ms: row.anti_entropy_delay_ms,
    };
  }

  #save(address: ReplicaAddress, row: Row): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO replica (id, customer_id, home, replica, state, anti_entropy_at, anti_entropy_delay_ms)
       VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state,
         anti_entropy_at = excluded.anti_entropy_at, anti_entropy_delay_ms = excluded.anti_entropy_delay_ms`,
      address.customerId,
      address.home,
      row.replica.id,
      JSON.stringify(row.replica),
      row.antiEntropyAt,
      row.antiEntropyDelay_ms,
    );
  }

  /** Queues `messages` (in the transaction) and plans anti-entropy for peers left behind. */
  #enqueue(address: ReplicaAddress, row: Row, messages: Message[], traceparent: string): Row {
    const outbox = this.#open();
    for (const message of messages) {
      const to = this.#ref({ ...address, replica: message.to });
      const payload: ReplicationPayload = {
        customerId: address.customerId,
        home: address.home,
        message,
      };
      // The envelope's region is the receiving replica's: it picks the queue.
      const envelope = makeEnvelope({
        type: REPLICATION_MESSAGE,
        payload,
        region: to.region,
        correlationId: `cart:${address.customerId}`,
        traceparent,
      });
      outbox.add(REPLICATION_DESTINATION, envelope);
    }
    if (behind(row.replica).length === 0)
      return { ...row, antiEntropyAt: null, antiEntropyDelay_ms: this.config.anti_entropy_ms };
    return { ...row, antiEntropyAt: row.antiEntropyAt ?? Date.now() + row.antiEntropyDelay_ms };
  }

  /**
   * Commits `decide`'s outcome with its messages; the caller is answered once
   * that is durable, and the outbox relays them in the background (the alarm
   * is armed first, so a relay cut short is retried).
   */
  async #change<T>(
    address: ReplicaAddress,
    traceparent: string,
    decide: (row: Row) => { row: Row; messages: Message[]; result: T },
  ): Promise<T> {
    const outbox = this.#open();
    const result = this.ctx.storage.transactionSync(() => {
      const decided = decide(this.#load(address));
      const row = this.#enqueue(address, decided.row, decided.messages, traceparent);
      this.#save(address, row);
      return { result: decided.result, antiEntropyAt: row.antiEntropyAt };
    });
    if (result.antiEntropyAt !== null)
      await scheduleAlarmBy(this.ctx.storage, result.antiEntropyAt);
    await outbox.relayAfterCommit(this.ctx, this.send, this.#log(address));
    return result.result;
  }

  #log(address: Pick<ReplicaAddress, 'customerId'>) {
    return createLogger({ service: 'carts', correlationId: `cart:${address.customerId}` });
  }

  #view(replica: ReplicaState, address: ReplicaAddress): CartView {
    const version = Object.fromEntries(
      replicasOf(address.home).map((r) => [r.id, replica.cart.vv[r.id] ?? 0]),
    );
    return { items: itemsOf(replica.cart), replica: replica.id, version };
  }

  async view(address: ReplicaAddress): Promise<CartView> {
    return this.#view(this.#load(address).replica, address);
  }

  /** Adds `quantity` of `sku` here; refused (409) past a limit as this replica sees the cart. */
  async add(
    address: ReplicaAddress,
    sku: string,
    quantity: number,
    meta: CallMeta,
  ): Promise<Result<CartView>> {
    const refused = refuseAdd(this.#load(address).replica.cart, sku, quantity, this.config);
    if (refused) return { ok: false, problem: refused };
    const view = await this.#change(address, meta.traceparent, (row) => {
      const step = write(row.replica, addDelta(row.replica.cart, row.replica.id, sku, quantity));
      return {
        row: { ...row, replica: step.replica },
        messages: step.messages,
        result: step.replica,
      };
    });
    return { ok: true, value: this.#view(view, address) };
  }

  /** Removes the line as this replica sees it; an add elsewhere it has not seen survives. */
  async remove(address: ReplicaAddress, sku: string, meta: CallMeta): Promise<CartView> {
    const current = this.#load(address).replica;
    if (!removeDelta(current.cart, sku)) return this.#view(current, address);
    const replica = await this.#change(address, meta.traceparent, (row) => {
      const delta = removeDelta(row.replica.cart, sku);
      if (!delta) return { row, messages: [], result: row.replica };
      const step = write(row.replica, delta);
      return {
        row: { ...row, replica: step.replica },
        messages: step.messages,
        result: step.replica,
      };
    });
    return this.#view(replica, address);
  }

  /** What a checkout would take: the lines and the counters they come from. */
  async snapshot(
    address: ReplicaAddress,
  ): Promise<{ items: CartView['items']; snapshot: Snapshot }> {
    const { cart } = this.#load(address).replica;
    return { items: itemsOf(cart), snapshot: snapshotOf(cart) };
  }

  /** A message from a peer (through the consumer). */
  async receive(address: ReplicaAddress, message: Message, traceparent: string): Promise<void> {
    await this.#change(address, traceparent, (row) => {
      const step = receive(row.replica, message);
      return { row: { ...row, replica: step.replica }, messages: step.messages, result: undefined };
    });
  }

  /** Records a checkout (the first one wins: a retry places the lines recorded first). */
  async recordCheckout(
    address: ReplicaAddress,
    record: Omit<CheckoutRecord, 'status'>,
  ): Promise<CheckoutRecord> {
    this.#ref(address);
    this.#open();
    const now = Date.now();
    const stored = new Checkouts(this.ctx.storage).record(record, now);
    await scheduleAlarmBy(this.ctx.storage, now + this.config.checkout_retention_ms);
    return stored;
  }

  /** The order of a checkout is CONFIRMED: take exactly its lines out, at every replica. */
  async completeCheckout(address: ReplicaAddress, orderId: string, traceparent: string) {
    if (!this.#created) return 'ignored' as const;
    return this.#change(address, traceparent, (row) => {
      const checkouts = new Checkouts(this.ctx.storage);
      const found = checkouts.get(orderId);
      if (!found) return { row, messages: [], result: 'ignored' as const };
      if (found.status !== 'open') return { row, messages: [], result: 'duplicate' as const };
      checkouts.settle(orderId, 'completed', Date.now());
      const step = write(row.replica, clearDelta(found.snapshot));
      return {
        row: { ...row, replica: step.replica },
        messages: step.messages,
        result: 'applied' as const,
      };
    });
  }

  /** The order of a checkout ended otherwise: its lines stay. */
  async abandonCheckout(orderId: string): Promise<'applied' | 'ignored'> {
    if (!this.#created) return 'ignored';
    return new Checkouts(this.ctx.storage).settle(orderId, 'abandoned', Date.now())
      ? 'applied'
      : 'ignored';
  }

  async inspect(address: ReplicaAddress): Promise<ReplicaInspection> {
    const { replica } = this.#load(address);
    const ref = this.#ref(address);
    return {
      id: ref.id,
      region: ref.region,
      ...this.#view(replica, address),
      behind: behind(replica),
      undelivered: this.#created ? this.#open().pendingCount() : 0,
    };
  }

  override async alarm(): Promise<void> {
    if (!this.#created) return;
    const address = this.ctx.storage.sql
      .exec<{ customer_id: string; home: ReplicaAddress['home']; replica: string }>(
        'SELECT customer_id, home, replica FROM replica',
      )
      .toArray()[0];
    const now = Date.now();
    const next = new Checkouts(this.ctx.storage).purge(now - this.config.checkout_retention_ms);
    if (next !== null)
      await scheduleAlarmBy(this.ctx.storage, next + this.config.checkout_retention_ms);
    if (!address) return;
    const at = { customerId: address.customer_id, home: address.home, replica: address.replica };
    await this.#antiEntropy(at, now);
    await this.#open().relay(this.send, this.#log(at));
  }

  /** Sends the whole state to peers that lack this replica's changes, backing off each time. */
  async #antiEntropy(address: ReplicaAddress, now: number): Promise<void> {
    const due = this.#load(address);
    if (due.antiEntropyAt === null) return;
    if (due.antiEntropyAt > now) return scheduleAlarmBy(this.ctx.storage, due.antiEntropyAt);
    const traceparent = childTraceparent();
    await this.#change(address, traceparent, (row) => {
      const delay_ms = Math.min(row.antiEntropyDelay_ms * 2, this.config.anti_entropy_ms_max);
      const next = { ...row, antiEntropyAt: now + delay_ms, antiEntropyDelay_ms: delay_ms };
      return { row: next, messages: antiEntropy(row.replica), result: undefined };
    });
  }
}

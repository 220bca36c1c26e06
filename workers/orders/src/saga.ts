/**
 * OrderSaga: one Durable Object per order, in the customer's home region. It
 * is the order's source of truth and the orchestrator: every transition is
 * persisted together with the commands and events it causes (outbox) before
 * anything is sent, replies are applied once (inbox), and each step has a
 * deadline kept by the alarm.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import { isTerminal, type OrderView, type PlaceOrderInput } from '@common/contracts/orders';
import { type Envelope, makeEnvelope } from '@common/envelope';
import { createLogger } from '@common/log';
import { DurableInbox, Outbox, type OutboxSender } from '@common/outbox';
import { fail, ok, type Result } from '@common/problem';
import { queueSender } from '@common/queues';
import type { CallMeta } from '@common/rpc';
import {
  type Decision,
  decide,
  type SagaInput,
  type SagaState,
  type SagaTimings,
  start,
} from './machine';

interface Trace {
  traceparent: string;
  requestId: string;
}

export interface SagaLogEntry {
  seq: number;
  at: string;
  kind: 'transition' | 'command' | 'event' | 'reply' | 'deadline' | 'cancel';
  type: string;
  /** JSON text: message ids, destinations, outcomes, reasons. */
  detail: string;
}

export interface SagaInspection {
  orderId: string;
  region: SagaState['region'];
  status: SagaState['status'];
  version: number;
  compensation: { release: SagaState['release']; refund: SagaState['refund'] };
  deadline: string | null;
  traceparent: string;
  log: SagaLogEntry[];
  undelivered: Array<{ destination: string; type: string; attempts: number }>;
}

const MAX_WAIT_MS = 10_000;

export class OrderSaga extends DurableObject<OrdersEnv> {
  readonly outbox: Outbox;
  readonly inbox: DurableInbox;
  /** Replaced in tests to simulate a queue outage. */
  send: OutboxSender;
  readonly #waiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: OrdersEnv) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(
      'CREATE TABLE IF NOT EXISTS saga (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, trace TEXT NOT NULL)',
    );
    sql.exec(`CREATE TABLE IF NOT EXISTS saga_log (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, kind TEXT NOT NULL, type TEXT NOT NULL, detail TEXT NOT NULL)`);
    this.outbox = new Outbox(ctx.storage, { retry_ms: Number(env.OUTBOX_RETRY_MS) || 2000 });
    this.inbox = new DurableInbox(ctx.storage);
    this.send = queueSender(env);
  }

  get timings(): SagaTimings {
    return {
      step_ms: Number(this.env.SAGA_STEP_TIMEOUT_MS) || 30_000,
      retry_ms: Number(this.env.SAGA_RETRY_MS) || 5_000,
    };
  }

  #load(): { state: SagaState; trace: Trace } | undefined {
    const row = this.ctx.storage.sql
      .exec<{ state: string; trace: string }>('SELECT state, trace FROM saga')
      .toArray()[0];
    return row
      ? { state: JSON.parse(row.state) as SagaState, trace: JSON.parse(row.trace) as Trace }
      : undefined;
  }

  #log(kind: SagaLogEntry['kind'], type: string, detail: unknown): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO saga_log (at, kind, type, detail) VALUES (?, ?, ?, ?)',
      Date.now(),
      kind,
      type,
      JSON.stringify(detail),
    );
  }

  /** Persists a decision: new state, its commands and events, one transaction. */
  #commit(
    before: SagaState | undefined,
    decision: Decision,
    trace: Trace,
    causationId: string | null,
  ): void {
    const { state, effects } = decision;
    this.ctx.storage.sql.exec(
      'INSERT INTO saga (id, state, trace) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state',
      JSON.stringify(state),
      JSON.stringify(trace),
    );
    if (before?.status !== state.status) {
      this.#log('transition', state.status, { from: before?.status ?? null, reason: state.reason });
    }
    for (const effect of effects) {
      const envelope = makeEnvelope({
        type: effect.type,
        payload: effect.payload,
        region: state.region,
        correlationId: state.orderId,
        causationId,
        traceparent: trace.traceparent,
      });
      this.outbox.add(effect.destination, envelope);
      this.#log(effect.destination === 'ORDER_EVENTS' ? 'event' : 'command', effect.type, {
        messageId: envelope.id,
        destination: effect.destination,
      });
    }
  }

  async #afterCommit(state: SagaState): Promise<void> {
    if (state.deadlineAt !== null) await scheduleAlarmBy(this.ctx.storage, state.deadlineAt);
    const result = await this.outbox.flush(this.send);
    if (result.error) {
      const trace = this.#load()?.trace;
      createLogger({ service: 'orders', correlationId: state.orderId, ...trace }).warn(
        'outbox.delivery_failed',
        {
          pending: result.pending,
          error: result.error,
        },
      );
    }
    if (isTerminal(state.status)) for (const wake of this.#waiters) wake();
  }

  /** Creates the saga; placing the same order id again returns it unchanged. */
  async place(input: PlaceOrderInput, meta: CallMeta): Promise<OrderView> {
    const existing = this.#load();
    if (existing) return this.#view(existing.state);
    const decision = start(input, Date.now(), this.timings);
    const trace = { traceparent: meta.traceparent, requestId: meta.requestId };
    this.ctx.storage.transactionSync(() =>
      this.#commit(undefined, decision, trace, meta.requestId),
    );
    createLogger({ service: 'orders', correlationId: input.orderId, ...trace }).info(
      'saga.started',
      {
        orderId: input.orderId,
        total: decision.state.total,
      },
    );
    await this.#afterCommit(decision.state);
    return this.#view(decision.state);
  }

  /** Applies a reply from inventory or payments exactly once. */
  async handleReply(envelope: Envelope): Promise<'applied' | 'duplicate' | 'ignored'> {
    const reason = (envelope.payload as { reason?: unknown } | null)?.reason;
    const input: SagaInput = {
      kind: 'reply',
      type: envelope.type,
      ...(typeof reason === 'string' ? { reason } : {}),
    };
    const outcome = await this.#apply(input, envelope.id, 'reply', {
      messageId: envelope.id,
      payload: envelope.payload,
    });
    // A reply for an order this object never placed, or one that changes nothing.
    return outcome === 'conflict' || outcome === 'missing' ? 'ignored' : outcome;
  }

  async #apply(
    input: SagaInput,
    messageId: string | null,
    kind: SagaLogEntry['kind'],
    detail: unknown,
  ): Promise<'applied' | 'duplicate' | 'ignored' | 'conflict' | 'missing'> {
    const loaded = this.#load();
    if (!loaded) return 'missing';
    let decision: Decision | undefined;
    const fresh = this.ctx.storage.transactionSync(() => {
      if (messageId && !this.inbox.claim(messageId)) return false;
      decision = decide(loaded.state, input, Date.now(), this.timings);
      this.#log(kind, input.kind === 'reply' ? input.type : input.kind, {
        outcome: decision.outcome,
        detail,
      });
      if (decision.outcome !== 'conflict')
        this.#commit(loaded.state, decision, loaded.trace, messageId);
      return true;
    });
    if (!fresh || !decision) return 'duplicate';
    await this.#afterCommit(decision.state);
    return decision.outcome;
  }

  async cancel(customerId: string): Promise<Result<OrderView>> {
    const loaded = this.#load();
    if (!loaded || loaded.state.customerId !== customerId)
      return fail(404, 'order_not_found', 'no such order');
    const outcome = await this.#apply({ kind: 'cancel' }, null, 'cancel', { by: customerId });
    const state = this.#load()?.state ?? loaded.state;
    if (outcome === 'conflict') {
      return fail(
        409,
        'order_not_cancellable',
        `the order is ${state.status} and can no longer be cancelled`,
      );
    }
    return ok(this.#view(state));
  }

  /** The order; with `waitMs`, waits (bounded) until it reaches a terminal status. */
  async view(waitMs = 0): Promise<OrderView | undefined> {
    const loaded = this.#load();
    if (!loaded) return undefined;
    if (waitMs > 0 && !isTerminal(loaded.state.status)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(waitMs, MAX_WAIT_MS));
        this.#waiters.add(done);
      });
    }
    const state = this.#load()?.state;
    return state ? this.#view(state) : undefined;
  }

  #view(s: SagaState): OrderView {
    return {
      orderId: s.orderId,
      customerId: s.customerId,
      status: s.status,
      items: s.items,
      total: s.total,
      history: s.history.map((h) => ({
        status: h.status,
        at: new Date(h.at).toISOString(),
        ...(h.reason ? { reason: h.reason } : {}),
      })),
    };
  }

  /** Everything an operator needs: state, transitions, commands, replies, deadlines, undelivered rows. */
  inspect(): SagaInspection | undefined {
    const loaded = this.#load();
    if (!loaded) return undefined;
    const log = this.ctx.storage.sql
      .exec<{ seq: number; at: number; kind: SagaLogEntry['kind']; type: string; detail: string }>(
        'SELECT seq, at, kind, type, detail FROM saga_log ORDER BY seq',
      )
      .toArray()
      .map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
    const { state } = loaded;
    return {
      orderId: state.orderId,
      region: state.region,
      status: state.status,
      version: state.version,
      compensation: { release: state.release, refund: state.refund },
      deadline: state.deadlineAt === null ? null : new Date(state.deadlineAt).toISOString(),
      traceparent: loaded.trace.traceparent,
      log,
      undelivered: this.outbox
        .pending()
        .map((p) => ({ destination: p.destination, type: p.envelope.type, attempts: p.attempts })),
    };
  }

  override async alarm(): Promise<void> {
    await this.outbox.flush(this.send);
    const loaded = this.#load();
    if (!loaded) return;
    if (loaded.state.deadlineAt !== null && Date.now() >= loaded.state.deadlineAt) {
      await this.#apply({ kind: 'deadline' }, null, 'deadline', {
        deadlineAt: loaded.state.deadlineAt,
      });
    } else if (loaded.state.deadlineAt !== null) {
      await scheduleAlarmBy(this.ctx.storage, loaded.state.deadlineAt);
    }
  }
}

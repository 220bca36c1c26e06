/**
 * OrderSaga: one Durable Object per order, in the customer's home region. It
 * is the order's source of truth and the orchestrator: every transition is
 * persisted together with the commands and events it causes (outbox) before
 * anything is sent, replies are applied once (inbox), and each step has a
 * deadline kept by the alarm.
 *
 * After each commit the caller is answered; then, in the background, each
 * command goes to its owner directly (the fast path, fast-path.ts) and
 * everything else, including a command whose direct call failed, is relayed
 * to its queue. Replies are applied by the same code whichever way they came,
 * and the log records which.
 */
import { DurableObject } from 'cloudflare:workers';
import { scheduleAlarmBy } from '@common/alarms';
import {
  isTerminal,
  ORDER_EVENTS,
  type OrderView,
  type PlaceOrderInput,
} from '@common/contracts/orders';
import { type Envelope, makeEnvelope } from '@common/envelope';
import { flagOn } from '@common/flags';
import { createLogger, errorMessage, type Logger } from '@common/log';
import { DurableInbox, Outbox, type OutboxSender } from '@common/outbox';
import { fail, ok, type Result } from '@common/problem';
import { queueSender } from '@common/queues';
import type { Region } from '@common/regions';
import type { CallMeta } from '@common/rpc';
import {
  type DirectCall,
  directCaller,
  type FastPathSettings,
  fastPathSettings,
  isDirect,
} from './fast-path';
import { type Decision, decide, type SagaState, type SagaTimings, start } from './machine';
import { type SagaReply, sagaReplyOf } from './replies';
import { SagaStore, type Trace } from './saga-store';
import { replyStep, type Step } from './steps';
import { inspectionOf, type SagaInspection, viewOf } from './views';

export type { SagaLogEntry } from './saga-store';
export type { SagaInspection } from './views';

/** A command committed for the fast path: its held outbox row. */
interface DirectRow {
  seq: number;
  destination: string;
  envelope: Envelope;
}

type Outcome = 'applied' | 'duplicate' | 'ignored' | 'conflict' | 'missing';

const WAIT_MS_MAX = 10_000;

export class OrderSaga extends DurableObject<OrdersEnv> {
  readonly outbox: Outbox;
  readonly inbox: DurableInbox;
  readonly #store: SagaStore;
  /** Replaced in tests to simulate a queue outage. */
  send: OutboxSender;
  /** Replaced in tests, e.g. by a call whose reply is lost after the owner applied it. */
  direct: DirectCall;
  /** From `SAGA_FAST_PATH`; tests may turn it off for one saga. */
  fastPath: FastPathSettings;
  readonly #waiters = new Set<() => void>();

  constructor(ctx: DurableObjectState, env: OrdersEnv) {
    super(ctx, env);
    // Nothing is written here: a saga's storage exists only once it is placed.
    this.#store = new SagaStore(ctx.storage);
    this.outbox = new Outbox(ctx.storage, { retry_ms: Number(env.OUTBOX_RETRY_MS) || 2000 });
    this.inbox = new DurableInbox(ctx.storage);
    this.send = queueSender(env);
    this.fastPath = fastPathSettings(env);
    this.direct = directCaller(env, this.fastPath);
  }

  get timings(): SagaTimings {
    return {
      step_ms: Number(this.env.SAGA_STEP_TIMEOUT_MS) || 30_000,
      retry_ms: Number(this.env.SAGA_RETRY_MS) || 5_000,
    };
  }

  /** Persists a decision: new state, its commands and events, one transaction. Returns the fast-path rows. */
  #commit(
    before: SagaState | undefined,
    decision: Decision,
    trace: Trace,
    causationId: string | null,
    fastPath: boolean,
  ): DirectRow[] {
    const { state, effects } = decision;
    this.#store.save(state, trace);
    if (before?.status !== state.status) {
      this.#store.log('transition', state.status, {
        from: before?.status ?? null,
        reason: state.reason,
      });
    }
    const direct: DirectRow[] = [];
    for (const effect of effects) {
      const envelope = makeEnvelope({
        type: effect.type,
        payload: effect.payload,
        region: state.region,
        correlationId: state.orderId,
        causationId,
        traceparent: trace.traceparent,
      });
      const fast = fastPath && isDirect(effect.destination);
      const seq = this.outbox.add(
        effect.destination,
        envelope,
        fast ? { hold_ms: this.fastPath.hold_ms } : {},
      );
      if (fast) direct.push({ seq, destination: effect.destination, envelope });
      this.#store.log(effect.destination === ORDER_EVENTS ? 'event' : 'command', effect.type, {
        messageId: envelope.id,
        destination: effect.destination,
      });
    }
    return direct;
  }

  /** After a commit: deadline armed, then (in the background) direct calls and the relay. */
  async #afterCommit(state: SagaState, trace: Trace, direct: DirectRow[]): Promise<void> {
    if (state.deadlineAt !== null) await scheduleAlarmBy(this.ctx.storage, state.deadlineAt);
    const log = this.#logger(state.orderId, trace);
    await this.outbox.relayAfterCommit(this.ctx, this.send, log);
    for (const row of direct) this.ctx.waitUntil(this.#callDirect(row, log));
    if (isTerminal(state.status)) for (const wake of this.#waiters) wake();
  }

  /** The fast path of one command: its reply applied, or its row released to the queue. */
  async #callDirect(row: DirectRow, log: Logger): Promise<void> {
    let reply: SagaReply;
    try {
      const answer = await this.direct(row.destination, row.envelope);
      if (answer.causationId !== row.envelope.id)
        throw new Error(`the reply ${answer.id} answers another command`);
      reply = sagaReplyOf(answer);
    } catch (error) {
      const message = errorMessage(error);
      this.ctx.storage.transactionSync(() => {
        this.outbox.release(row.seq, message);
        this.#store.log('fallback', row.envelope.type, {
          messageId: row.envelope.id,
          to: 'queue',
          error: message,
        });
      });
      log.warn('saga.fast_path_failed', {
        type: row.envelope.type,
        messageId: row.envelope.id,
        error: message,
      });
      await this.outbox.relay(this.send, log);
      return;
    }
    await this.#apply(replyStep(reply, 'fast_path', row.seq));
  }

  #logger(orderId: string, trace: Trace): Logger {
    return createLogger({ service: 'orders', correlationId: orderId, ...trace });
  }

  /**
   * Whether this saga's commands take the fast path now: `SAGA_FAST_PATH`
   * (the deploy's switch) and the runtime flag `orders.fast_path` for the
   * saga's region (a cached read; the flag's default when the store is down).
   */
  async #fastPathOn(region: Region): Promise<boolean> {
    return this.fastPath.enabled && (await flagOn(this.env, 'orders.fast_path', { region }));
  }

  /** Creates the saga; placing the same order id again returns it unchanged. */
  async place(input: PlaceOrderInput, meta: CallMeta): Promise<OrderView> {
    const fast = await this.#fastPathOn(input.region);
    const existing = this.#store.load();
    if (existing) return viewOf(existing.state);
    this.#store.migrate();
    const decision = start(input, Date.now(), this.timings);
    const trace = { traceparent: meta.traceparent, requestId: meta.requestId };
    const direct = this.ctx.storage.transactionSync(() =>
      this.#commit(undefined, decision, trace, meta.requestId, fast),
    );
    this.#logger(input.orderId, trace).info('saga.started', {
      orderId: input.orderId,
      total: decision.state.total,
    });
    await this.#afterCommit(decision.state, trace, direct);
    return viewOf(decision.state);
  }

  /** Applies a reply that came over the replies queue `queue`, exactly once. */
  async handleReply(reply: SagaReply, queue: string): Promise<'applied' | 'duplicate' | 'ignored'> {
    const outcome = await this.#apply({
      ...replyStep(reply, 'queue'),
      detail: { messageId: reply.id, queue, result: reply.result },
    });
    // A reply for an order this object never placed, or one that changes nothing.
    return outcome === 'conflict' || outcome === 'missing' ? 'ignored' : outcome;
  }

  async #apply(step: Step): Promise<Outcome> {
    const region = this.#store.load()?.state.region;
    if (!region) return 'missing';
    const fast = await this.#fastPathOn(region);
    // Loaded after the flag's read: nothing awaits between here and the commit.
    const loaded = this.#store.load();
    if (!loaded) return 'missing';
    let decision: Decision | undefined;
    let direct: DirectRow[] = [];
    const fresh = this.ctx.storage.transactionSync(() => {
      if (step.settles !== undefined) this.outbox.settle(step.settles);
      if (step.messageId && !this.inbox.claim(step.messageId)) return false;
      const now = Date.now();
      decision = step.input
        ? decide(loaded.state, step.input, now, this.timings)
        : { state: loaded.state, effects: [], outcome: 'ignored' };
      this.#store.log(
        step.kind,
        step.type,
        { outcome: decision.outcome, detail: step.detail },
        step.via,
      );
      if (decision.outcome !== 'conflict')
        direct = this.#commit(loaded.state, decision, loaded.trace, step.messageId, fast);
      return true;
    });
    if (!fresh || !decision) return 'duplicate';
    await this.#afterCommit(decision.state, loaded.trace, direct);
    return decision.outcome;
  }

  async cancel(customerId: string): Promise<Result<OrderView>> {
    const loaded = this.#store.load();
    if (!loaded || loaded.state.customerId !== customerId)
      return fail(404, 'order_not_found', 'no such order');
    const outcome = await this.#apply({
      input: { kind: 'cancel' },
      messageId: null,
      kind: 'cancel',
      type: 'cancel',
      detail: { by: customerId },
    });
    const state = this.#store.load()?.state ?? loaded.state;
    if (outcome === 'conflict') {
      return fail(
        409,
        'order_not_cancellable',
        `the order is ${state.status} and can no longer be cancelled`,
      );
    }
    return ok(viewOf(state));
  }

  /** The order; with `wait_ms`, waits (bounded) until it reaches a terminal status. */
  async view(wait_ms = 0): Promise<OrderView | undefined> {
    const loaded = this.#store.load();
    if (!loaded) return undefined;
    if (wait_ms > 0 && !isTerminal(loaded.state.status)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(wait_ms, WAIT_MS_MAX));
        this.#waiters.add(done);
      });
    }
    const state = this.#store.load()?.state;
    return state ? viewOf(state) : undefined;
  }

  /** Everything an operator needs: state, transitions, commands, replies (and how they came), deadlines, undelivered rows. */
  inspect(): SagaInspection | undefined {
    const loaded = this.#store.load();
    return loaded && inspectionOf(loaded, this.#store.recentLog(), this.outbox.pending());
  }

  override async alarm(): Promise<void> {
    const loaded = this.#store.load();
    if (!loaded) return;
    await this.outbox.relay(this.send, this.#logger(loaded.state.orderId, loaded.trace));
    const { deadlineAt } = loaded.state;
    if (deadlineAt !== null && Date.now() >= deadlineAt) {
      await this.#apply({
        input: { kind: 'deadline' },
        messageId: null,
        kind: 'deadline',
        type: 'deadline',
        detail: { deadlineAt },
      });
    } else if (deadlineAt !== null) {
      await scheduleAlarmBy(this.ctx.storage, deadlineAt);
    }
  }
}

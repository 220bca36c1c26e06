/**
 * What happened to order X: the order (GET /v1/orders/{id}, admins may
 * read any) and its saga (GET /v1/admin/sagas/{id}): every transition,
 * command, reply (fast path or queue) and retry, with durations; pending
 * deadlines, compensations and undelivered messages. Refreshes itself
 * until the order is terminal.
 */
import { type Ctx, errorNote, heading, type Mounted, poll } from '../context';
import { badge, fill, h, type Tone } from '../dom';
import { clock, dateTime, duration, type Money, money } from '../format';
import { customerOfOrder, statusTone } from './order-status';
import { type SagaLogEntry, type TimelineEntry, timeline } from './timeline';

interface Saga {
  orderId: string;
  region: string;
  status: string;
  version: number;
  compensation: { release: string | null; refund: string | null };
  deadline: string | null;
  traceparent: string;
  log: SagaLogEntry[];
  logOmitted?: number;
  undelivered: Array<{ destination: string; type: string; attempts: number }>;
}

interface Order {
  orderId: string;
  customerId?: string;
  status: string;
  items: Array<{ sku: string; quantity: number }>;
  total: Money;
}

const TERMINAL = new Set(['CONFIRMED', 'REJECTED', 'CANCELLED']);
const REFRESH_MS = 2_000;

const KIND_TONE: Record<string, Tone> = {
  transition: 'info',
  command: 'muted',
  event: 'muted',
  reply: 'ok',
  fallback: 'warn',
  deadline: 'bad',
  cancel: 'warn',
};

function summary(
  saga: Saga,
  order: Order | undefined,
  t: ReturnType<typeof timeline>,
): HTMLElement {
  const item = (label: string, value: Node | string) =>
    h('div', {}, h('dt', {}, label), h('dd', {}, value));
  return h(
    'dl',
    { class: 'facts' },
    item('Status', badge(saga.status, statusTone(saga.status))),
    item('Region', saga.region),
    item(
      'Customer',
      h('span', { class: 'mono' }, order?.customerId ?? customerOfOrder.get(saga.orderId) ?? '—'),
    ),
    item('Total', order ? money(order.total) : '—'),
    item('Items', order ? order.items.map((i) => `${i.quantity} × ${i.sku}`).join(', ') : '—'),
    item('Placed', t.entries[0] ? dateTime(t.entries[0].at) : '—'),
    item(
      'Took',
      TERMINAL.has(saga.status) ? duration(t.total_ms) : `${duration(t.total_ms)} so far`,
    ),
    item('Replies', `${t.fastPath} by fast path · ${t.queue} by queue`),
    item(
      'Retries',
      t.fallbacks
        ? `${t.fallbacks} fast-path call${t.fallbacks === 1 ? '' : 's'} fell back to the queue`
        : 'none',
    ),
    item('Deadline', saga.deadline ? dateTime(saga.deadline) : 'none pending'),
    item(
      'Compensation',
      `release ${saga.compensation.release ?? 'not needed'} · refund ${saga.compensation.refund ?? 'not needed'}`,
    ),
    item('Trace', h('span', { class: 'mono small' }, saga.traceparent)),
  );
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The one fact of an entry worth reading without opening its detail. */
function gist(e: TimelineEntry): string | null {
  const d = e.detailJson as Record<string, unknown> | null;
  if (!d || typeof d !== 'object') return null;
  if (e.kind === 'command' || e.kind === 'event')
    return text(d.destination) && `→ ${d.destination}`;
  if (e.kind === 'transition') return text(d.reason) && `because ${d.reason}`;
  if (e.kind === 'fallback') return text(d.error) && `direct call failed: ${d.error}`;
  const inner = d.detail as Record<string, unknown> | undefined;
  return text(inner?.queue) && `from ${inner?.queue}`;
}

function entryItem(e: TimelineEntry): HTMLElement {
  const durations = [
    e.replyAfter_ms !== null ? `reply after ${duration(e.replyAfter_ms)}` : null,
    e.kind === 'transition'
      ? e.stayed_ms !== null
        ? `held ${duration(e.stayed_ms)}`
        : 'current'
      : null,
  ].filter(Boolean);
  return h(
    'li',
    { class: `entry kind-${e.kind}` },
    h(
      'div',
      { class: 'when' },
      h('time', { datetime: e.at }, clock(e.at, true)),
      h('small', {}, `+${duration(e.offset_ms)}`),
    ),
    h(
      'div',
      { class: 'what' },
      h(
        'div',
        { class: 'line' },
        badge(e.kind, KIND_TONE[e.kind] ?? 'muted'),
        h('strong', {}, e.type),
        e.path ? badge(e.path, e.path === 'fast path' ? 'ok' : 'info') : null,
        e.outcome ? h('span', { class: 'muted' }, e.outcome) : null,
        gist(e) ? h('span', { class: 'muted small' }, gist(e)) : null,
        durations.length ? h('span', { class: 'duration' }, durations.join(' · ')) : null,
      ),
      h(
        'details',
        {},
        h('summary', {}, 'Detail'),
        h('pre', {}, JSON.stringify(e.detailJson, null, 2)),
      ),
    ),
  );
}

export function orderView(ctx: Ctx, params: string[]): Mounted {
  const orderId = params[0] ?? '';
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const refresh = h('button', { type: 'button' }, 'Refresh');
  let stop: () => void = () => {};
  const load = async () => {
    try {
      const [saga, order] = await Promise.all([
        ctx.session.call<Saga>('GET', `/v1/admin/sagas/${encodeURIComponent(orderId)}`),
        ctx.session
          .call<Order>('GET', `/v1/orders/${encodeURIComponent(orderId)}`)
          .catch(() => undefined),
      ]);
      const t = timeline(saga.log);
      fill(
        body,
        summary(saga, order, t),
        h('h2', {}, 'Saga timeline'),
        saga.logOmitted
          ? h('p', { class: 'muted' }, `${saga.logOmitted} older entries not shown.`)
          : null,
        h(
          'ol',
          { class: 'timeline', 'aria-label': `Timeline of ${orderId}` },
          ...t.entries.map(entryItem),
        ),
        saga.undelivered.length
          ? h(
              'section',
              {},
              h('h2', {}, 'Not yet delivered'),
              h(
                'ul',
                {},
                ...saga.undelivered.map((u) =>
                  h('li', {}, `${u.type} → ${u.destination}, ${u.attempts} attempt(s)`),
                ),
              ),
            )
          : null,
      );
      if (TERMINAL.has(saga.status)) stop();
    } catch (error) {
      fill(body, errorNote(`Order ${orderId} could not be read`, error));
      stop();
    }
  };
  refresh.addEventListener('click', () => void load());
  stop = poll(load, REFRESH_MS);
  return {
    node: h(
      'div',
      { class: 'page' },
      h('p', { class: 'crumbs' }, h('a', { href: '#/orders' }, '← Orders')),
      heading(`Order ${orderId}`, refresh),
      body,
    ),
    cleanup: () => stop(),
  };
}

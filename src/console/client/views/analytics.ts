/**
 * Analytics windows (GET /v1/admin/analytics): orders, revenue, failure
 * rate, saga latency and top SKUs per region for the last 1, 5, 15 or 60
 * minutes, and the window minute by minute as plots.
 */
import { type Ctx, errorNote, heading, latestOnly, type Mounted, poll } from '../context';
import { field, fill, h, select, table } from '../dom';
import { duration, type Money, money, percent } from '../format';
import { timePlot } from '../plot';

interface Minute {
  from: string;
  orders: number;
  revenue: Money;
}

interface RegionWindow {
  orders: number;
  confirmed: number;
  cancelled: number;
  rejected: number;
  revenue: Money;
  topSkus: Array<{ sku: string; quantity: number }>;
  sagaLatencyMs: { p50: number | null; p99: number | null };
  failureRate?: number | null;
  minutes?: Minute[];
}

interface Analytics {
  window: string;
  from: string;
  to: string;
  regions: Record<string, RegionWindow>;
  partial: boolean;
  regionStatus?: Record<string, { status: string }>;
}

const REFRESH_MS = 5_000;
const COLORS = ['#2f6fdf', '#1f9d74', '#c77b12', '#9b4dca', '#d64545'];

function windowTable(a: Analytics): HTMLElement {
  const time = (iso: string) => new Date(iso).toLocaleTimeString();
  return table(
    `From ${time(a.from)} to ${time(a.to)} (${a.window}), by event time`,
    [
      'Region',
      'Orders',
      'Confirmed',
      'Cancelled',
      'Rejected',
      'Revenue',
      'Failure rate',
      'Saga p50',
      'Saga p99',
      'Top SKUs',
    ],
    Object.entries(a.regions).map(([region, w]) => [
      h('strong', {}, region),
      String(w.orders),
      String(w.confirmed),
      String(w.cancelled),
      String(w.rejected),
      money(w.revenue),
      percent(w.failureRate ?? null),
      duration(w.sagaLatencyMs.p50),
      duration(w.sagaLatencyMs.p99),
      w.topSkus
        .slice(0, 3)
        .map((s) => `${s.sku} × ${s.quantity}`)
        .join(', ') || '—',
    ]),
    { empty: 'No region answered.' },
  );
}

/** The window minute by minute: x (epoch s) and one column per region of `pick`. */
function perMinute(regions: string[], a: Analytics, pick: (m: Minute) => number) {
  const minutes = Object.values(a.regions).find((w) => w.minutes?.length)?.minutes ?? [];
  const x = minutes.map((m) => Date.parse(m.from) / 1000);
  const ys = regions.map((r) =>
    x.map((_, i) => {
      const m = a.regions[r]?.minutes?.[i];
      return m ? pick(m) : null;
    }),
  );
  return { x, ys };
}

export function analyticsView(ctx: Ctx): Mounted {
  const windowSelect = select(
    'window',
    [
      ['1m', 'This minute (1m)'],
      ['5m', 'Last 5 minutes'],
      ['15m', 'Last 15 minutes'],
      ['60m', 'Last hour'],
    ],
    '5m',
  );
  const option = (r: string): [string, string] => [r, r];
  const regionSelect = select('region', [['', 'Every region'], ...ctx.config.regions.map(option)]);
  const body = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const series = ctx.config.regions.map((r, i) => ({
    label: r,
    color: COLORS[i % COLORS.length] ?? '#888',
  }));
  const ordersPlot = timePlot('Orders placed per minute', series, 'orders');
  const revenuePlot = timePlot('Revenue per minute', series, 'revenue');
  const begin = latestOnly();
  async function load() {
    const fresh = begin();
    try {
      const a = await ctx.session.call<Analytics>('GET', '/v1/admin/analytics', {
        query: { window: windowSelect.value, region: regionSelect.value },
      });
      if (!fresh()) return;
      fill(
        body,
        a.partial ? h('p', { class: 'note warn' }, 'Partial: a region did not answer.') : null,
        windowTable(a),
      );
      const orders = perMinute(ctx.config.regions, a, (m) => m.orders);
      ordersPlot.update(orders.x, orders.ys);
      // Major units for the axis (minor units / 100: the ledgers' currencies have two decimals).
      const revenue = perMinute(ctx.config.regions, a, (m) => m.revenue.amount / 100);
      revenuePlot.update(revenue.x, revenue.ys);
    } catch (error) {
      fill(body, errorNote('Analytics could not be read', error));
    }
  }
  const stop = poll(load, REFRESH_MS);
  windowSelect.addEventListener('change', () => void load());
  regionSelect.addEventListener('change', () => void load());
  return {
    node: h(
      'div',
      { class: 'page' },
      heading('Analytics'),
      h(
        'div',
        { class: 'panel' },
        h(
          'form',
          { class: 'filters', 'aria-label': 'Analytics window' },
          field('Window', windowSelect),
          field('Region', regionSelect),
        ),
      ),
      body,
      h('div', { class: 'plots' }, ordersPlot.figure, revenuePlot.figure),
    ),
    cleanup() {
      stop();
      ordersPlot.destroy();
      revenuePlot.destroy();
    },
  };
}

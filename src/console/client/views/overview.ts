/**
 * Overview: is anything failing, where, and since when; every service and
 * region at a glance; live request rate and latency plots from /metrics.
 */
import { ApiError, type Session } from '../api';
import { type Ctx, errorNote, heading, type Mounted, poll } from '../context';
import { badge, fill, h, type Tone, table } from '../dom';
import { clock, duration, money, rate } from '../format';
import { timePlot } from '../plot';
import { maxBy, type Sample, totalBy } from '../prometheus';
import type { Telemetry } from '../telemetry';
import { type Finding, findings, type Snapshot } from './findings';

const REFRESH_MS = 5_000;
const SERVICE_COLORS = [
  '#2f6fdf',
  '#1f9d74',
  '#c77b12',
  '#9b4dca',
  '#d64545',
  '#0f8b9c',
  '#6b7a8f',
];

async function gather(session: Session): Promise<Snapshot> {
  const errors: string[] = [];
  const get = async <T>(what: string, path: string, options = {}): Promise<T | undefined> => {
    try {
      return await session.call<T>('GET', path, options);
    } catch (error) {
      // A deployment without the analytics API: its columns stay empty, nothing failed.
      if (error instanceof ApiError && error.code === 'route_not_found') return undefined;
      errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  };
  const [ready, letters, faults, analytics] = await Promise.all([
    get<Snapshot['ready']>('readiness', '/health/ready', { allow: [503] }),
    get<Snapshot['letters']>('dead letters', '/v1/admin/dead-letters', {
      query: { replayed: 'false', limit: 100 },
    }),
    get<Snapshot['faults']>('fault rules', '/v1/admin/faults'),
    get<Snapshot['analytics']>('analytics', '/v1/admin/analytics', { query: { window: '5m' } }),
  ]);
  return { ready, letters, faults, analytics, errors };
}

const toneOf = (status: string | undefined): Tone =>
  status === 'ok' || status === 'closed'
    ? 'ok'
    : status === 'degraded' || status === 'half-open'
      ? 'warn'
      : status
        ? 'bad'
        : 'muted';

function servicesTable(ctx: Ctx, snap: Snapshot, telemetry: Telemetry): HTMLElement {
  const point = telemetry.points.at(-1);
  const up = totalBy(telemetry.latest, 'meridian_scrape_up', 'service');
  const rows = ctx.config.services.map((name) => {
    const s = snap.ready?.services[name];
    const u = point?.upstream[name];
    const scraped = up.get(name);
    return [
      h('strong', {}, name),
      s ? badge(s.status, toneOf(s.status)) : badge('unknown', 'muted'),
      s ? duration(s.latencyMs) : '—',
      s ? badge(s.breaker, toneOf(s.breaker)) : '—',
      u ? rate(u.callsPerS) : '—',
      u ? h('span', { class: u.failuresPerS > 0 ? 'text-bad' : '' }, rate(u.failuresPerS)) : '—',
      u ? duration(u.p50_ms) : '—',
      u ? duration(u.p99_ms) : '—',
      scraped === undefined ? '—' : badge(scraped ? 'yes' : 'no', scraped ? 'ok' : 'bad'),
    ];
  });
  return table(
    'Services: readiness probe, this gateway isolate’s breaker, calls over the last scrape interval',
    ['Service', 'Health', 'Probe', 'Breaker', 'Calls/s', 'Failures/s', 'p50', 'p99', 'Metrics'],
    rows,
  );
}

function byRegion(samples: Sample[], name: string): Map<string, number> {
  return totalBy(samples, name, 'region');
}

function regionsTable(ctx: Ctx, snap: Snapshot, samples: Sample[]): HTMLElement {
  const oldestOpen = maxBy(samples, 'meridian_sagas_open_oldest_age_seconds', 'region');
  const backlog = byRegion(samples, 'meridian_outbox_backlog');
  const rows = ctx.config.regions.map((region) => {
    const letters = snap.letters?.items.filter((l) => l.region === region) ?? [];
    const oldest = letters.map((l) => l.receivedAt).sort()[0];
    const leg = snap.letters?.regions[region];
    const a = snap.analytics?.regions[region];
    const statuses = [
      ...totalBy(samples, 'meridian_orders_by_status', 'status', (l) => l.region === region),
    ]
      .filter(([, n]) => n > 0)
      .map(([status, n]) => `${status} ${n}`)
      .join(' · ');
    const open = oldestOpen.get(region);
    return [
      h('strong', {}, region),
      leg ? badge(leg.status, toneOf(leg.status)) : '—',
      a ? String(a.orders) : '—',
      a ? money(a.revenue) : '—',
      statuses || '—',
      open === undefined ? '—' : open > 0 ? `oldest ${duration(open * 1000)}` : 'none',
      !snap.letters
        ? '—'
        : letters.length
          ? h(
              'span',
              { class: 'text-bad' },
              `${letters.length} since ${clock(oldest ?? Date.now())}`,
            )
          : '0',
      backlog.has(region) ? String(backlog.get(region)) : '—',
    ];
  });
  return table(
    'Regions: the admin read of each region, the last five minutes, sagas, dead letters, outbox',
    [
      'Region',
      'Reads',
      'Orders 5m',
      'Revenue 5m',
      'Orders by status',
      'Open sagas',
      'Dead letters',
      'Outbox',
    ],
    rows,
  );
}

function findingsList(list: Finding[]): HTMLElement {
  if (!list.length) {
    return h(
      'section',
      { class: 'status ok', 'aria-labelledby': 'status-title' },
      h('h2', { id: 'status-title' }, 'All clear'),
      h(
        'p',
        {},
        'Every service answers, no breaker is open, no dead letter waits, no fault is injected.',
      ),
    );
  }
  const worst = list.some((f) => f.tone === 'bad')
    ? 'bad'
    : list.some((f) => f.tone === 'warn')
      ? 'warn'
      : 'info';
  return h(
    'section',
    { class: `status ${worst}`, 'aria-labelledby': 'status-title' },
    h(
      'h2',
      { id: 'status-title' },
      worst === 'info' ? 'Running, with notes' : 'Something needs attention',
    ),
    h(
      'ul',
      { class: 'findings' },
      ...list.map((f) =>
        h(
          'li',
          {},
          badge(f.tone === 'bad' ? 'failing' : f.tone === 'warn' ? 'warning' : 'note', f.tone),
          h('span', { class: 'where' }, f.where),
          h('span', { class: 'what' }, f.what),
          h('span', { class: 'since' }, f.since),
          f.href ? h('a', { href: f.href }, f.action ?? 'Open') : null,
        ),
      ),
    ),
  );
}

/** The overview's live plots, fed from the telemetry ring buffer. */
function livePlots(ctx: Ctx) {
  const requests = timePlot(
    'Gateway requests per second',
    [
      { label: 'requests/s', color: '#2f6fdf' },
      { label: '5xx/s', color: '#d64545' },
    ],
    'req/s',
  );
  const latency = timePlot(
    'Gateway latency (p50, p99)',
    [
      { label: 'p50', color: '#1f9d74', unit: ' ms' },
      { label: 'p99', color: '#c77b12', unit: ' ms' },
    ],
    'ms',
  );
  const upstream = timePlot(
    'Calls to each service, p99',
    ctx.config.services.map((name, i) => ({
      label: name,
      color: SERVICE_COLORS[i % SERVICE_COLORS.length] ?? '#888',
      unit: ' ms',
    })),
    'ms',
  );
  const all = [requests, latency, upstream];
  return {
    figures: all.map((p) => p.figure),
    update(telemetry: Telemetry) {
      const points = telemetry.points;
      const x = points.map((p) => p.t);
      requests.update(x, [points.map((p) => p.requestsPerS), points.map((p) => p.errorsPerS)]);
      latency.update(x, [points.map((p) => p.p50_ms), points.map((p) => p.p99_ms)]);
      const p99 = (name: string) => points.map((p) => p.upstream[name]?.p99_ms ?? null);
      upstream.update(x, ctx.config.services.map(p99));
    },
    destroy: () => {
      for (const p of all) p.destroy();
    },
  };
}

export function overviewView(ctx: Ctx): Mounted {
  const status = h('div', { class: 'status-slot' }, h('p', { class: 'muted' }, 'Checking…'));
  const services = h('div');
  const regions = h('div');
  const errors = h('div');
  const updated = h('span', { class: 'muted small' });
  const plots = livePlots(ctx);
  const node = h(
    'div',
    { class: 'page overview' },
    heading('Overview', updated),
    status,
    h('div', { class: 'plots' }, ...plots.figures),
    h('h2', {}, 'Services'),
    services,
    h('h2', {}, 'Regions'),
    regions,
    errors,
    h(
      'p',
      { class: 'muted small' },
      'Rates and latency are over the interval between two scrapes of /metrics (every 5 s), leaving out the console’s own scrapes; per-isolate counters, so they show the isolates that answered.',
    ),
  );
  /** Nothing is said about failures before the first answers are in. */
  let snap: Snapshot | undefined;
  const draw = () => {
    plots.update(ctx.telemetry);
    if (!snap) return;
    fill(status, findingsList(findings(ctx, snap, ctx.telemetry)));
    fill(services, servicesTable(ctx, snap, ctx.telemetry));
    fill(regions, regionsTable(ctx, snap, ctx.telemetry.latest));
    const problems = [
      ...snap.errors,
      ...(ctx.telemetry.error ? [`metrics: ${ctx.telemetry.error}`] : []),
    ];
    fill(
      errors,
      problems.length ? errorNote('Some data could not be read', problems.join('; ')) : null,
    );
    updated.textContent = `updated ${clock(Date.now())}`;
  };
  const stopPoll = poll(async () => {
    snap = await gather(ctx.session);
    draw();
  }, REFRESH_MS);
  const unsubscribe = ctx.telemetry.subscribe(draw);
  return {
    node,
    cleanup() {
      stopPoll();
      unsubscribe();
      plots.destroy();
    },
  };
}

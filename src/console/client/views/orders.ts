/**
 * Orders across regions (GET /v1/admin/orders), newest first, filtered by
 * status, region and customer on the server and paged with its cursor.
 * The API has no time filter: "since" stops paging once orders are older,
 * "until" skips newer ones, both applied here (at most PAGES_MAX pages).
 */
import { type Ctx, errorNote, heading, type Mounted, messageOf } from '../context';
import { badge, field, fill, h, select, table } from '../dom';
import { dateTime, type Money, money, shortId } from '../format';
import { statusTone } from './order';

interface AdminOrder {
  orderId: string;
  customerId: string;
  region: string;
  status: string;
  createdAt: string;
  total?: Money;
}

interface Page {
  items: AdminOrder[];
  nextCursor?: string | null;
  partial?: boolean;
  regions?: Record<string, { status: string; detail?: string }>;
}

/**
 * Customers of the orders listed in this session: an order's own view
 * (GET /v1/orders/{id}) does not carry its customer.
 */
export const customerOfOrder = new Map<string, string>();

const PAGE_LIMIT = 50;
/** Pages one search reads at most while a time filter skips orders. */
const PAGES_MAX = 10;
const ORDER_ID = /^ord_[0-9A-Z]{26}$/;

interface Filters {
  status: string;
  region: string;
  customerId: string;
  since: string;
  until: string;
}

const matches = (o: AdminOrder, f: Filters) =>
  (!f.status || o.status === f.status) &&
  (!f.region || o.region === f.region) &&
  (!f.customerId || o.customerId === f.customerId) &&
  (!f.until || Date.parse(o.createdAt) <= Date.parse(f.until));

export function ordersView(ctx: Ctx): Mounted {
  const status = select('status', [
    ['', 'Any status'],
    ...ctx.config.orderStatuses.map((s): [string, string] => [s, s]),
  ]);
  const region = select('region', [
    ['', 'Every region'],
    ...ctx.config.regions.map((r): [string, string] => [r, r]),
  ]);
  const customerId = h('input', {
    type: 'text',
    name: 'customerId',
    placeholder: 'cus_…',
    maxlength: 64,
    spellcheck: 'false',
  });
  const since = h('input', { type: 'datetime-local', name: 'since', step: 1 });
  const until = h('input', { type: 'datetime-local', name: 'until', step: 1 });
  const apply = h('button', { type: 'submit', class: 'primary' }, 'Search');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter orders' },
    field('Status', status),
    field('Region', region),
    field('Customer', customerId),
    field('Created since', since),
    field('Created until', until),
    h('div', { class: 'field submit' }, apply),
  );
  const goId = h('input', {
    type: 'text',
    name: 'orderId',
    placeholder: 'ord_…',
    maxlength: 30,
    spellcheck: 'false',
    required: true,
  });
  const go = h(
    'form',
    { class: 'inline-form', 'aria-label': 'Open an order' },
    field('Order id', goId),
    h('div', { class: 'field submit' }, h('button', { type: 'submit' }, 'Open timeline')),
  );
  const results = h('div', { 'aria-live': 'polite' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  let rows: AdminOrder[] = [];
  let cursor: string | null = null;
  let filters: Filters;
  let note: HTMLElement | null = null;

  const render = () => {
    fill(
      results,
      note,
      table(
        `${rows.length} order${rows.length === 1 ? '' : 's'}, newest first`,
        ['Order', 'Status', 'Region', 'Customer', 'Total', 'Created'],
        rows.map((o) => [
          h(
            'a',
            { href: `#/orders/${o.orderId}`, title: o.orderId, class: 'mono' },
            shortId(o.orderId),
          ),
          badge(o.status, statusTone(o.status)),
          o.region,
          h('span', { class: 'mono', title: o.customerId }, shortId(o.customerId)),
          o.total ? money(o.total) : '—',
          dateTime(o.createdAt),
        ]),
        { empty: 'No order matches.' },
      ),
    );
    more.hidden = cursor === null;
  };

  async function load(reset: boolean) {
    if (reset) {
      rows = [];
      cursor = null;
    }
    more.disabled = true;
    const sinceMs = filters.since ? Date.parse(filters.since) : undefined;
    try {
      for (let page = 0, found = 0; page < PAGES_MAX && found === 0; page++) {
        const answer = await ctx.session.call<Page>('GET', '/v1/admin/orders', {
          query: {
            status: filters.status,
            region: filters.region,
            customerId: filters.customerId,
            cursor,
            limit: PAGE_LIMIT,
          },
        });
        const fresh = answer.items.filter(
          (o) =>
            matches(o, filters) && (sinceMs === undefined || Date.parse(o.createdAt) >= sinceMs),
        );
        found = fresh.length;
        rows.push(...fresh);
        for (const o of answer.items) customerOfOrder.set(o.orderId, o.customerId);
        const older =
          sinceMs !== undefined && answer.items.some((o) => Date.parse(o.createdAt) < sinceMs);
        cursor = older ? null : (answer.nextCursor ?? null);
        const failed = Object.entries(answer.regions ?? {}).filter(([, r]) => r.status !== 'ok');
        note = answer.partial
          ? h(
              'p',
              { class: 'note warn' },
              `Partial: ${failed.map(([r, o]) => `${r} ${o.status}`).join(', ')} did not answer; its orders come on a later page.`,
            )
          : null;
        if (cursor === null) break;
      }
      render();
    } catch (error) {
      fill(results, errorNote('Orders could not be listed', error));
    } finally {
      more.disabled = false;
    }
  }

  const readFilters = (): Filters => ({
    status: status.value,
    region: region.value,
    customerId: customerId.value.trim(),
    since: since.value ? new Date(since.value).toISOString() : '',
    until: until.value ? new Date(until.value).toISOString() : '',
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    filters = readFilters();
    void load(true);
  });
  more.addEventListener('click', () => void load(false));
  go.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = goId.value.trim();
    if (!ORDER_ID.test(id)) {
      ctx.notify(`"${id}" is not an order id (ord_ and 26 characters).`, 'warn');
      goId.focus();
      return;
    }
    location.hash = `#/orders/${id}`;
  });
  filters = readFilters();
  void load(true).catch((error: unknown) => ctx.notify(messageOf(error), 'bad'));
  return {
    node: h(
      'div',
      { class: 'page' },
      heading('Orders and sagas'),
      h('div', { class: 'panel' }, form, go),
      results,
      more,
    ),
  };
}

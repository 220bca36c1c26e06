/**
 * Orders across regions (GET /v1/admin/orders), newest first, filtered by
 * status, region and customer on the server and paged with its cursor.
 * The API has no time filter: "since" stops paging once orders are older,
 * "until" skips newer ones, both applied here (at most PAGES_MAX pages).
 * The filters are applied here too, so a listing that ignores one still
 * shows only what was asked for.
 */
import type { Session } from '../api';
import { type Ctx, errorNote, heading, latestOnly, type Mounted } from '../context';
import { badge, field, fill, h, select, table } from '../dom';
import { dateTime, type Money, money, shortId } from '../format';
import { customerOfOrder, statusTone } from './order-status';

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

interface Filters {
  status: string;
  region: string;
  customerId: string;
  /** ISO 8601, or '' for none. */
  since: string;
  until: string;
}

const PAGE_LIMIT = 50;
/** Pages one search reads at most while a time filter skips orders. */
const PAGES_MAX = 10;
const ORDER_ID = /^ord_[0-9A-Z]{26,27}$/;

const matches = (o: AdminOrder, f: Filters) =>
  (!f.status || o.status === f.status) &&
  (!f.region || o.region === f.region) &&
  (!f.customerId || o.customerId === f.customerId) &&
  (!f.since || o.createdAt >= f.since) &&
  (!f.until || o.createdAt <= f.until);

/**
 * The next matching orders from `cursor` on: pages until one has a match,
 * the listing ends, or it reaches orders older than `since`.
 */
async function search(session: Session, f: Filters, cursor: string | null) {
  const found: AdminOrder[] = [];
  let partial: string[] = [];
  for (let page = 0; page < PAGES_MAX && found.length === 0; page++) {
    const answer = await session.call<Page>('GET', '/v1/admin/orders', {
      query: {
        status: f.status,
        region: f.region,
        customerId: f.customerId,
        cursor,
        limit: PAGE_LIMIT,
      },
    });
    for (const o of answer.items) customerOfOrder.set(o.orderId, o.customerId);
    found.push(...answer.items.filter((o) => matches(o, f)));
    const older = f.since !== '' && answer.items.some((o) => o.createdAt < f.since);
    cursor = older ? null : (answer.nextCursor ?? null);
    partial = Object.entries(answer.regions ?? {})
      .filter(([, r]) => r.status !== 'ok')
      .map(([region, r]) => `${region} ${r.status}`);
    if (cursor === null) break;
  }
  return { found, cursor, partial };
}

function filtersForm(
  ctx: Ctx,
  submit: (f: Filters) => void,
): { form: HTMLElement; read: () => Filters } {
  const option = (v: string): [string, string] => [v, v];
  const status = select('status', [['', 'Any status'], ...ctx.config.orderStatuses.map(option)]);
  const region = select('region', [['', 'Every region'], ...ctx.config.regions.map(option)]);
  const customerId = h('input', {
    type: 'text',
    name: 'customerId',
    placeholder: 'cus_…',
    maxlength: 64,
    spellcheck: 'false',
  });
  const since = h('input', { type: 'datetime-local', name: 'since', step: 1 });
  const until = h('input', { type: 'datetime-local', name: 'until', step: 1 });
  const iso = (local: string) => (local ? new Date(local).toISOString() : '');
  const read = (): Filters => ({
    status: status.value,
    region: region.value,
    customerId: customerId.value.trim(),
    since: iso(since.value),
    until: iso(until.value),
  });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter orders' },
    field('Status', status),
    field('Region', region),
    field('Customer', customerId),
    field('Created since', since),
    field('Created until', until),
    h(
      'div',
      { class: 'field submit' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(read());
  });
  return { form, read };
}

function openById(ctx: Ctx): HTMLElement {
  const id = h('input', {
    type: 'text',
    name: 'orderId',
    placeholder: 'ord_…',
    maxlength: 30,
    spellcheck: 'false',
    required: true,
  });
  const form = h(
    'form',
    { class: 'inline-form', 'aria-label': 'Open an order' },
    field('Order id', id),
    h('div', { class: 'field submit' }, h('button', { type: 'submit' }, 'Open timeline')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = id.value.trim();
    if (ORDER_ID.test(value)) {
      location.hash = `#/orders/${value}`;
      return;
    }
    ctx.notify(`"${value}" is not an order id (ord_ and 26 characters).`, 'warn');
    id.focus();
  });
  return form;
}

const ordersTable = (rows: AdminOrder[]) =>
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
  );

export function ordersView(ctx: Ctx): Mounted {
  const results = h('div', { 'aria-live': 'polite' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  let rows: AdminOrder[] = [];
  let cursor: string | null = null;
  const begin = latestOnly();
  async function load(filters: Filters, reset: boolean) {
    const fresh = begin();
    if (reset) [rows, cursor] = [[], null];
    more.disabled = true;
    try {
      const page = await search(ctx.session, filters, cursor);
      if (!fresh()) return;
      rows.push(...page.found);
      cursor = page.cursor;
      const note = page.partial.length
        ? h(
            'p',
            { class: 'note warn' },
            `Partial: ${page.partial.join(', ')} did not answer; its orders come on a later page.`,
          )
        : null;
      fill(results, note, ordersTable(rows));
      more.hidden = cursor === null;
    } catch (error) {
      if (fresh()) fill(results, errorNote('Orders could not be listed', error));
    } finally {
      more.disabled = false;
    }
  }
  // "Load more" continues the search that was made, whatever the form says now.
  let searched: Filters;
  const filters = filtersForm(ctx, (f) => {
    searched = f;
    void load(f, true);
  });
  more.addEventListener('click', () => void load(searched, false));
  searched = filters.read();
  void load(searched, true);
  return {
    node: h(
      'div',
      { class: 'page' },
      heading('Orders and sagas'),
      h('div', { class: 'panel' }, filters.form, openById(ctx)),
      results,
      more,
    ),
  };
}

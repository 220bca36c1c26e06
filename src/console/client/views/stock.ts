/** Stock per SKU per region (GET /v1/admin/stock: one call per page of SKUs). */
import { type Ctx, errorNote, heading, type Mounted } from '../context';
import { fill, h, table } from '../dom';

interface Level {
  available: number;
  reserved: number;
  sold: number;
}

interface StockPage {
  items: Array<{ sku: string; name: string; regions: Record<string, Level | null> }>;
  nextCursor: string | null;
  partial: boolean;
  regions: Record<string, { status: string; detail?: string }>;
}

const PAGE_LIMIT = 50;

export function stockView(ctx: Ctx): Mounted {
  const list = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const more = h('button', { type: 'button', hidden: true }, 'Next SKUs');
  let cursor: string | null = null;
  let rows: StockPage['items'] = [];

  const cell = (level: Level | null | undefined) =>
    level
      ? h(
          'span',
          { class: level.available === 0 ? 'text-bad' : '' },
          h('strong', {}, String(level.available)),
          h('small', { class: 'muted' }, ` avail · ${level.reserved} held · ${level.sold} sold`),
        )
      : h('span', { class: 'muted' }, 'no answer');

  async function load(reset: boolean) {
    if (reset) {
      rows = [];
      cursor = null;
    }
    try {
      const page = await ctx.session.call<StockPage>('GET', '/v1/admin/stock', {
        query: { limit: PAGE_LIMIT, cursor },
      });
      rows.push(...page.items);
      cursor = page.nextCursor;
      const missing = Object.entries(page.regions).filter(([, r]) => r.status !== 'ok');
      fill(
        list,
        page.partial
          ? h(
              'p',
              { class: 'note warn' },
              `Partial: ${missing.map(([r, o]) => `${r} ${o.status}`).join(', ')}.`,
            )
          : null,
        table(
          'Units per SKU in each region warehouse, read at the shard leaders',
          ['SKU', 'Product', ...ctx.config.regions],
          rows.map((r) => [
            h('span', { class: 'mono' }, r.sku),
            r.name,
            ...ctx.config.regions.map((region) => cell(r.regions[region])),
          ]),
          { empty: 'No products in the catalog.' },
        ),
      );
      more.hidden = cursor === null;
    } catch (error) {
      fill(list, errorNote('Stock could not be read', error));
    }
  }
  refresh.addEventListener('click', () => void load(true));
  more.addEventListener('click', () => void load(false));
  void load(true);
  return { node: h('div', { class: 'page' }, heading('Stock', refresh), list, more) };
}

/**
 * A tiny element builder: every text goes in as a text node (never as HTML),
 * so data from the API cannot inject markup, and the page needs no inline
 * script or style to satisfy its Content-Security-Policy.
 */
export type Child = Node | string | number | null | undefined | false | Child[];

type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child) append(parent, c);
    return;
  }
  parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
}

/**
 * @example h('button', { type: 'button', onclick: () => go() }, 'Replay')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A table whose cells carry their column's name, so narrow screens can stack rows as cards. */
export function table(
  caption: string,
  columns: string[],
  rows: Child[][],
  options: { empty?: string; className?: string } = {},
): HTMLElement {
  const head = h('tr', {}, ...columns.map((c) => h('th', { scope: 'col' }, c)));
  const body = rows.length
    ? rows.map((cells) =>
        h('tr', {}, ...cells.map((cell, i) => h('td', { 'data-label': columns[i] ?? '' }, cell))),
      )
    : [
        h(
          'tr',
          {},
          h('td', { colspan: columns.length, class: 'empty' }, options.empty ?? 'Nothing to show.'),
        ),
      ];
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: `data ${options.className ?? ''}`.trim() },
      h('caption', {}, caption),
      h('thead', {}, head),
      h('tbody', {}, ...body),
    ),
  );
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

export const badge = (text: string, tone: Tone): HTMLElement =>
  h('span', { class: `badge ${tone}` }, text);

/** A labelled form control: the label names the control for assistive technology. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    control,
    hint ? h('small', { id: hintId, class: 'hint' }, hint) : null,
  );
}

export function select(
  name: string,
  options: Array<[string, string]>,
  value = '',
): HTMLSelectElement {
  return h(
    'select',
    { name },
    ...options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)),
  );
}

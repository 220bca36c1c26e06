/**
 * The operations console: sign-in, then a hash-routed page per task. Every
 * data call goes through the public admin API (api.ts) with the admin's
 * bearer token held in memory.
 */
import { Session } from './api';
import type { ConsoleConfig, Ctx, Mounted, View } from './context';
import { fill, h, type Tone } from './dom';
import { Telemetry } from './telemetry';
import { analyticsView } from './views/analytics';
import { deadLettersView } from './views/dead-letters';
import { faultsView } from './views/faults';
import { flagsView } from './views/flags';
import { orderView } from './views/order';
import { ordersView } from './views/orders';
import { overviewView } from './views/overview';
import { signInView } from './views/sign-in';
import { stockView } from './views/stock';

const SECTIONS: Array<{ path: string; label: string; view: View }> = [
  { path: 'overview', label: 'Overview', view: overviewView },
  { path: 'orders', label: 'Orders', view: ordersView },
  { path: 'dead-letters', label: 'Dead letters', view: deadLettersView },
  { path: 'faults', label: 'Faults', view: faultsView },
  { path: 'stock', label: 'Stock', view: stockView },
  { path: 'flags', label: 'Flags', view: flagsView },
  { path: 'analytics', label: 'Analytics', view: analyticsView },
];

function readConfig(): ConsoleConfig {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="meridian-console"]');
  return JSON.parse(meta?.content ?? '{}') as ConsoleConfig;
}

const root = document.getElementById('app') ?? document.body;
const session = new Session();
const telemetry = new Telemetry(session);
const live = h('div', { class: 'toasts', role: 'status', 'aria-live': 'polite' });
const main = h('main', { id: 'main', tabindex: '-1' });
const ctx: Ctx = {
  session,
  telemetry,
  config: readConfig(),
  notify(message: string, tone: Tone = 'info') {
    const toast = h('p', { class: `toast ${tone}` }, message);
    live.append(toast);
    setTimeout(() => toast.remove(), 6000);
  },
};
let mounted: Mounted | undefined;

function route(): { section: (typeof SECTIONS)[number]; params: string[] } {
  const [path = 'overview', ...params] = location.hash.replace(/^#\/?/, '').split('/');
  if (path === 'orders' && params[0]) {
    return { section: { path, label: 'Order', view: orderView }, params };
  }
  const section = SECTIONS.find((s) => s.path === path) ?? SECTIONS[0];
  if (!section) throw new Error('no sections');
  return { section, params: params.map(decodeURIComponent) };
}

function navigation(current: string): HTMLElement {
  return h(
    'nav',
    { 'aria-label': 'Console sections' },
    h(
      'ul',
      {},
      ...SECTIONS.map((s) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `#/${s.path}`, 'aria-current': s.path === current ? 'page' : null },
            s.label,
          ),
        ),
      ),
    ),
  );
}

function render(focus: boolean): void {
  mounted?.cleanup?.();
  mounted = undefined;
  if (!session.signedIn) {
    telemetry.stop();
    const view = signInView(ctx, () => render(true));
    fill(root, h('main', { id: 'main', class: 'signin-main' }, view.node), live);
    return;
  }
  telemetry.start();
  const { section, params } = route();
  document.title = `${section.label} · Meridian console`;
  const skip = h('a', { class: 'skip', href: '#main' }, 'Skip to content');
  skip.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  const signOut = h('button', { type: 'button', class: 'ghost' }, 'Sign out');
  signOut.addEventListener('click', async () => {
    await session.signOut();
    render(true);
  });
  const header = h(
    'header',
    { class: 'topbar' },
    h(
      'a',
      { class: 'brand', href: '#/overview' },
      h('span', { class: 'logo', 'aria-hidden': 'true' }),
      'Meridian',
    ),
    navigation(section.path),
    h('div', { class: 'who' }, h('span', { class: 'email' }, session.me?.email ?? ''), signOut),
  );
  mounted = section.view(ctx, params);
  fill(main, mounted.node);
  fill(root, skip, header, main, live);
  if (focus) main.focus({ preventScroll: false });
}

session.onExpired = () => {
  ctx.notify('Your session ended: sign in again.', 'warn');
  render(true);
};
window.addEventListener('hashchange', () => render(true));
render(false);

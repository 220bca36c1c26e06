/**
 * The operations console in a real browser (Debian's chromium through
 * playwright-core) against the local system `npm run dev` serves: an admin
 * signs in, finds an order placed through the API with its saga timeline,
 * replays a dead letter, adds and clears a fault, sees live plots with data
 * points and the analytics window; the page obeys its CSP, works by
 * keyboard, passes an accessibility scan and fits a phone. Screenshots go
 * to .build/console/ (test artifacts).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventually } from '../support/eventually';
import { launchChromium, SCREENSHOTS } from './browser';
import {
  customer,
  IN_PAGE,
  type Letter,
  letters,
  operator,
  ownProduct,
  PASSWORD,
  placeOrder,
  send,
  unique,
} from './console-support';

const base = inject('baseUrl');
/** Waits for the page on a loaded machine: answers can take seconds. */
const PATIENT = { timeout: 20_000, interval: 250 };
const DLQ_TARGET = 'queue:meridian-notification-events';
const SECTIONS = ['overview', 'orders', 'dead-letters', 'faults', 'stock', 'flags', 'analytics'];

/** The analytics API (GET /v1/admin/analytics) arrives with its own branch; until then its test is skipped, visibly. */
const hasAnalytics =
  (await fetch(`${base}/v1/admin/analytics?window=5m`, { headers: operator })).status !== 404;
/** The region of the confirmed order of the timeline test. */
const ORDER_REGION = 'us';

let browser: Browser;
let context: BrowserContext;
let page: Page;
const violations: string[] = [];
const admin = { email: unique('console-admin'), password: PASSWORD };
/** The product the tests order (their own, see ownProduct). */
let sku: string;
/** An order whose notification is dead-lettered (made in beforeAll, waited for later). */
let poisonedOrder: string;

async function signIn(p: Page, who = admin) {
  await p.goto(`${base}/console`);
  await p.getByLabel('Email').fill(who.email);
  await p.getByLabel('Password').fill(who.password);
  await p.getByRole('button', { name: 'Sign in' }).click();
}

function watch(p: Page) {
  p.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) violations.push(m.text());
  });
  p.on('pageerror', (e) => violations.push(`page error: ${e.message}`));
}

async function shot(p: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await p.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  // A dead letter takes five failed deliveries with backoff (about 40 s):
  // start it first, the other tests run meanwhile.
  const rule = await send('PUT', '/v1/admin/faults', {
    headers: operator,
    body: { rules: [{ target: DLQ_TARGET, kind: 'error', rate: 1, ttlSeconds: 600 }] },
  });
  expect(rule.status).toBe(200);
  sku = await ownProduct();
  const victim = await customer('eu');
  poisonedOrder = await placeOrder(victim.token, [{ sku, quantity: 1 }]);

  const made = await send('PUT', '/v1/admin/admins', { headers: operator, body: admin });
  expect(made.status).toBe(200);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  page = await context.newPage();
  watch(page);
}, 600_000);

afterAll(async () => {
  await send('DELETE', `/v1/admin/faults?target=${encodeURIComponent(DLQ_TARGET)}`, {
    headers: operator,
  });
  await browser?.close();
});

describe('the operations console in a browser', () => {
  it('is served with a strict CSP, no framing, and its bundle under hashed names', async () => {
    const res = await fetch(`${base}/console`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style|style="/);
    const script = /src="(\/console\/assets\/main-[0-9a-f]{12}\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${base}${script}`);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('refuses a customer: the console needs an admin account', async () => {
    const other = await context.browser()?.newContext();
    if (!other) throw new Error('no browser');
    const p = await other.newPage();
    const someone = { email: unique('console-customer'), password: PASSWORD };
    expect(
      (await send('POST', '/v1/auth/register', { body: { ...someone, region: 'us' } })).status,
    ).toBe(201);
    await signIn(p, someone);
    await p.getByRole('alert').waitFor({ timeout: 20_000 });
    expect(await p.getByRole('alert').textContent()).toMatch(/not an admin/);
    await other.close();
  });

  it('signs an admin in and shows every region and service on the overview', async () => {
    await signIn(page);
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByRole('table', { name: /^Services/ }).waitFor();
    // Every service and region of the deployment (the page's own configuration).
    const config = JSON.parse(
      (await page.locator('meta[name="meridian-console"]').getAttribute('content')) ?? '{}',
    ) as { services: string[]; regions: string[] };
    expect(config.services.length).toBeGreaterThanOrEqual(6);
    for (const service of config.services) {
      await page.getByRole('cell', { name: service, exact: true }).waitFor();
    }
    for (const region of config.regions) {
      await page.getByRole('cell', { name: region, exact: true }).first().waitFor();
    }
    // The token lives in memory: nothing was stored in the browser.
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    expect(await context.cookies()).toEqual([]);
  });

  it('plots the live request rate and latency with data points', async () => {
    const plot = page.getByRole('group', { name: 'Gateway requests per second' });
    // Two scrapes make a point; the console scrapes every 5 s.
    await expect
      .poll(async () => Number(await plot.getAttribute('data-points')), {
        timeout: 45_000,
        interval: 1000,
      })
      .toBeGreaterThanOrEqual(2);
    expect(await plot.locator('canvas').count()).toBeGreaterThan(0);
    const latency = page.getByRole('group', { name: /Gateway latency/ });
    expect(Number(await latency.getAttribute('data-points'))).toBeGreaterThanOrEqual(2);
    await expect
      .poll(() => latency.locator('.plot-summary').textContent(), PATIENT)
      .toMatch(/p99: \d/);
  }, 60_000);

  it('lists an order placed through the API and shows its saga timeline', async () => {
    const buyer = await customer(ORDER_REGION);
    const orderId = await placeOrder(buyer.token, [{ sku, quantity: 2 }]);
    const confirmed = await send<{ status: string }>('GET', `/v1/orders/${orderId}?waitMs=10000`, {
      headers: { authorization: `Bearer ${buyer.token}` },
    });
    expect(confirmed.body.status).toBe('CONFIRMED');
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByLabel('Customer').fill(buyer.customerId);
    const link = page.getByRole('link', { name: `${orderId.slice(0, 8)}…${orderId.slice(-6)}` });
    // The listing is the read model (eventual): a saga on the fast path can
    // confirm before its first event is projected, so search until it is there.
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Search' }).click();
          await page.waitForTimeout(500);
          return link.isVisible();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(true);
    // Only this customer's order is listed.
    await page.getByRole('table', { name: '1 order, newest first' }).waitFor();
    await link.click();
    const timeline = page.getByRole('list', { name: `Timeline of ${orderId}` });
    await timeline.waitFor();
    for (const status of ['PENDING', 'STOCK_RESERVED', 'PAYMENT_CAPTURED', 'CONFIRMED']) {
      await timeline.locator('.kind-transition', { hasText: status }).first().waitFor();
    }
    expect(await timeline.locator('.kind-command').count()).toBeGreaterThanOrEqual(3);
    const replies = timeline.locator('.kind-reply');
    expect(await replies.count()).toBeGreaterThanOrEqual(3);
    // Each reply says how it came (fast path or queue) and how long after its command.
    for (const reply of await replies.all()) {
      expect(await reply.textContent()).toMatch(/(fast path|queue).*reply after \d/);
    }
    await expect.poll(() => page.locator('.facts').textContent(), PATIENT).toMatch(/CONFIRMED/);
    await shot(page, 'order');
  }, 90_000);

  it('replays a dead letter from the console', async () => {
    const ofOrder = (items: Letter[]) => items.filter((l) => l.body.includes(poisonedOrder));
    const [letter] = ofOrder(
      await eventually(letters, (items) => ofOrder(items).length > 0, 120_000),
    );
    if (!letter) throw new Error('no dead letter');
    // Deliveries succeed again before the replay.
    await send('DELETE', `/v1/admin/faults?target=${encodeURIComponent(DLQ_TARGET)}`, {
      headers: operator,
    });
    await page.getByRole('link', { name: 'Dead letters' }).click();
    const replay = page.getByRole('button', { name: `Replay ${letter.id}` });
    await replay.waitFor();
    await shot(page, 'dead-letters');
    await replay.click();
    await expect
      .poll(() => page.getByRole('status').textContent(), PATIENT)
      .toMatch(/Replayed 1 letter/);
    const after = (await letters()).find((l) => l.id === letter.id);
    expect(after?.replayedAt).not.toBeNull();
    // Only letters not replayed are listed by default: it is gone from the list.
    await expect.poll(() => replay.count(), PATIENT).toBe(0);
  }, 150_000);

  it('adds a fault rule with a TTL, shows it, and clears it', async () => {
    await page.getByRole('link', { name: 'Faults' }).click();
    await page.getByLabel('Target').fill('catalog');
    await page.getByLabel('Kind').selectOption('latency');
    await page.getByLabel('Rate (0–1)').fill('0.5');
    await page.getByLabel('Latency (ms)').fill('250');
    await page.getByLabel('TTL (s)').fill('90');
    await page.getByRole('button', { name: 'Add rule' }).click();
    const clear = page.getByRole('button', { name: 'Clear rules of catalog' });
    await clear.waitFor();
    const live = await send<{
      rules: Array<{
        target: string;
        kind: string;
        rate: number;
        latencyMs: number;
        createdAt: string;
        expiresAt: string;
      }>;
    }>('GET', '/v1/admin/faults', { headers: operator });
    const rule = live.body.rules.find((r) => r.target === 'catalog');
    expect(rule).toMatchObject({ kind: 'latency', rate: 0.5, latencyMs: 250 });
    if (!rule) throw new Error('no rule');
    const ttl_s = (Date.parse(rule.expiresAt) - Date.parse(rule.createdAt)) / 1000;
    expect(ttl_s).toBeCloseTo(90, 0);
    await shot(page, 'faults');
    await clear.click();
    await expect.poll(() => clear.count(), PATIENT).toBe(0);
    const after = await send<{ rules: Array<{ target: string }> }>('GET', '/v1/admin/faults', {
      headers: operator,
    });
    expect(after.body.rules.filter((r) => r.target === 'catalog')).toEqual([]);
  });

  it('shows stock per SKU in every region in one call', async () => {
    await page.getByRole('link', { name: 'Stock' }).click();
    const row = page.getByRole('row', { name: /MRD-TEE-001/ });
    await row.waitFor();
    expect((await row.getByRole('cell').allTextContents()).join(' ')).toMatch(
      /\d+ avail.*\d+ avail.*\d+ avail/,
    );
  });

  it('lists the runtime flags with their state', async () => {
    await page.getByRole('link', { name: 'Flags' }).click();
    const flag = page.getByRole('form', { name: 'Flag orders.accepting' });
    await flag.waitFor();
    expect(await flag.getByRole('checkbox', { name: 'Enabled' }).isChecked()).toBe(true);
  });

  it.skipIf(!hasAnalytics)(
    'shows the order in the analytics window of its region',
    async () => {
      await page.getByRole('link', { name: 'Analytics' }).click();
      await page.getByLabel('Window', { exact: true }).selectOption('5m');
      const row = page.getByRole('row', { name: new RegExp(`^${ORDER_REGION}\\b`) });
      await expect
        .poll(async () => Number(await row.getByRole('cell').nth(1).textContent()), {
          timeout: 30_000,
        })
        .toBeGreaterThanOrEqual(1);
      const plot = page.getByRole('group', { name: 'Orders placed per minute' });
      expect(Number(await plot.getAttribute('data-points'))).toBeGreaterThanOrEqual(5);
      await shot(page, 'analytics');
    },
    60_000,
  );

  it('reaches every section by keyboard (Tab, Enter), with a visible focus', async () => {
    await page.evaluate(IN_PAGE.go('overview'));
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    // By now the plots hold every scrape since sign-in and the traffic of the tests above.
    const services = page.getByRole('table', { name: /^Services/ });
    await services.getByRole('cell', { name: 'ok' }).first().waitFor({ timeout: 20_000 });
    await page.mouse.move(0, 0);
    await expect.poll(() => page.locator('.toast').count(), PATIENT).toBe(0);
    await shot(page, 'overview');
    /** Moves the focus backwards (the header comes before main) until `text` has it. */
    const tabBackTo = async (text: string) => {
      for (let presses = 0; presses < 25; presses++) {
        if ((await page.evaluate(IN_PAGE.focusedText)) === text) return;
        await page.keyboard.press('Shift+Tab');
      }
      throw new Error(`${text} is not reachable by keyboard`);
    };
    await tabBackTo('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(IN_PAGE.focusedId)).toBe('main');
    for (const section of ['Orders', 'Dead letters', 'Faults', 'Stock', 'Flags', 'Analytics']) {
      await tabBackTo(section);
      const outline = await page.evaluate(IN_PAGE.focusedOutline);
      expect(outline, `focus on ${section} is visible`).not.toBe('none');
      await page.keyboard.press('Enter');
      await page
        .getByRole('heading', {
          level: 1,
          name: section === 'Orders' ? 'Orders and sagas' : section,
        })
        .waitFor();
      // The new section's content takes the focus, for keyboard and screen-reader users.
      expect(await page.evaluate(IN_PAGE.focusedId)).toBe('main');
    }
  });

  it('passes an axe accessibility scan on every section', async () => {
    const axe = fs.readFileSync(
      createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
      'utf8',
    );
    // Evaluated through the DevTools protocol, which the page's CSP does not govern.
    await page.evaluate(axe);
    for (const section of SECTIONS) {
      await page.evaluate(IN_PAGE.go(section));
      await page.locator('main h1').waitFor();
      await page.waitForTimeout(700);
      const found = await page.evaluate(IN_PAGE.axeSerious);
      expect(found, `axe on ${section}`).toEqual([]);
    }
  });

  it('fits a phone: no section scrolls sideways at 390×844', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    const p = await phone.newPage();
    watch(p);
    await signIn(p);
    await p.getByRole('heading', { name: 'Overview' }).waitFor();
    for (const section of SECTIONS) {
      await p.evaluate(IN_PAGE.go(section));
      await p.locator('main h1').waitFor();
      await p.waitForTimeout(700);
      const overflow = Number(await p.evaluate(IN_PAGE.sidewaysOverflow));
      expect(overflow, `${section} scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
    }
    await p.evaluate(IN_PAGE.go('overview'));
    await p.getByRole('table', { name: /^Services/ }).waitFor();
    await p.waitForTimeout(6000);
    await shot(p, 'phone');
    await phone.close();
  }, 90_000);

  it('reported no Content-Security-Policy violation and no script error', () => {
    expect(violations).toEqual([]);
  });
});

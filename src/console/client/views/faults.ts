/**
 * Fault injection (GET/PUT/DELETE /v1/admin/faults): add a rule with a TTL,
 * see the live ones with their time left, clear one target or all. The API
 * replaces the whole set on PUT, so adding a rule sends the live rules
 * again with the time each has left (a rule for the same target and kind
 * is replaced by the new one).
 */
import type { Session } from '../api';
import { type Ctx, errorNote, heading, type Mounted, messageOf, poll } from '../context';
import { field, fill, h, select, table } from '../dom';
import { clock, relative } from '../format';

interface Rule {
  target: string;
  kind: 'latency' | 'error' | 'drop';
  rate: number;
  latencyMs?: number;
  createdAt: string;
  expiresAt: string;
}

type RuleInput = Pick<Rule, 'target' | 'kind' | 'rate' | 'latencyMs'> & { ttlSeconds: number };
type Rules = { rules: Rule[] };

const REFRESH_MS = 5_000;
const TTL_S_DEFAULT = 300;
const PATH = '/v1/admin/faults';

/** A live rule as a PUT sends it again: with the whole seconds it has left, if any. */
function remaining(rule: Rule, now: number): RuleInput | undefined {
  const ttlSeconds = Math.floor((Date.parse(rule.expiresAt) - now) / 1000);
  if (ttlSeconds < 1) return undefined;
  const { target, kind, rate, latencyMs } = rule;
  return { target, kind, rate, ...(latencyMs === undefined ? {} : { latencyMs }), ttlSeconds };
}

/** Adds one rule to the live set (replacing the rule of the same target and kind). */
async function addRule(session: Session, rule: RuleInput): Promise<Rule[]> {
  const { rules } = await session.call<Rules>('GET', PATH);
  const now = Date.now();
  const kept = rules
    .filter((r) => !(r.target === rule.target && r.kind === rule.kind))
    .map((r) => remaining(r, now))
    .filter((r) => r !== undefined);
  return (await session.call<Rules>('PUT', PATH, { body: { rules: [...kept, rule] } })).rules;
}

function ruleForm(ctx: Ctx, added: (rules: Rule[]) => void): HTMLElement {
  const targets = [...ctx.config.services, ...ctx.config.regions.map((r) => `region:${r}`)];
  const target = h('input', {
    type: 'text',
    name: 'target',
    list: 'fault-targets',
    required: true,
    maxlength: 80,
    spellcheck: 'false',
    placeholder: 'catalog',
  });
  const kind = select('kind', [
    ['error', 'error: fail at once'],
    ['latency', 'latency: add delay'],
    ['drop', 'drop: no answer until the deadline'],
  ]);
  const number = (name: string, min: number, max: number, step: number, value: number) =>
    h('input', { type: 'number', name, min, max, step, value, required: true });
  const rate = number('rate', 0.01, 1, 0.01, 1);
  const latency = number('latencyMs', 1, 30_000, 1, 500);
  const latencyField = field('Latency (ms)', latency);
  const ttl = number('ttlSeconds', 1, 86_400, 1, TTL_S_DEFAULT);
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add rule');
  const message = h('div');
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Add a fault rule' },
    field('Target', target, 'a service, region:<name> or queue:<queue>'),
    h('datalist', { id: 'fault-targets' }, ...targets.map((t) => h('option', { value: t }))),
    field('Kind', kind),
    field('Rate (0–1)', rate, 'share of calls affected'),
    latencyField,
    field('TTL (s)', ttl, 'the rule expires by itself'),
    h('div', { class: 'field submit' }, add),
  );
  const showLatency = () => {
    latencyField.hidden = kind.value !== 'latency';
  };
  kind.addEventListener('change', showLatency);
  showLatency();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    message.replaceChildren();
    add.disabled = true;
    const rule: RuleInput = {
      target: target.value.trim(),
      kind: kind.value as Rule['kind'],
      rate: Number(rate.value),
      ttlSeconds: Number(ttl.value),
      ...(kind.value === 'latency' ? { latencyMs: Number(latency.value) } : {}),
    };
    try {
      added(await addRule(ctx.session, rule));
      ctx.notify(`Fault on ${rule.target} added for ${rule.ttlSeconds} s.`, 'ok');
    } catch (error) {
      message.replaceChildren(errorNote('The rule was not added', error));
    } finally {
      add.disabled = false;
    }
  });
  return h('div', { class: 'panel' }, form, message);
}

function rulesTable(rules: Rule[], clear: (target: string) => void): HTMLElement {
  const now = Date.now();
  return table(
    `${rules.length} active rule${rules.length === 1 ? '' : 's'}`,
    ['Target', 'Kind', 'Rate', 'Latency', 'Since', 'Expires', ''],
    rules.map((r) => {
      const button = h(
        'button',
        { type: 'button', 'aria-label': `Clear rules of ${r.target}` },
        'Clear',
      );
      button.addEventListener('click', () => clear(r.target));
      return [
        h('strong', {}, r.target),
        r.kind,
        `${Math.round(r.rate * 100)} %`,
        r.latencyMs === undefined ? '—' : `${r.latencyMs} ms`,
        clock(r.createdAt),
        relative(r.expiresAt, now),
        button,
      ];
    }),
    { empty: 'No fault is injected.' },
  );
}

export function faultsView(ctx: Ctx): Mounted {
  const clearAll = h('button', { type: 'button', class: 'danger' }, 'Clear all');
  const live = h('div', { 'aria-live': 'polite' });
  const show = (rules: Rule[]) => {
    clearAll.disabled = rules.length === 0;
    fill(
      live,
      rulesTable(rules, (target) => void clear(target)),
    );
  };
  async function clear(target?: string) {
    try {
      show((await ctx.session.call<Rules>('DELETE', PATH, { query: { target } })).rules);
      ctx.notify(target ? `Cleared the rules of ${target}.` : 'Cleared every fault rule.', 'ok');
    } catch (error) {
      ctx.notify(`Could not clear: ${messageOf(error)}`, 'bad');
    }
  }
  clearAll.addEventListener('click', () => void clear());
  const stop = poll(async () => {
    try {
      show((await ctx.session.call<Rules>('GET', PATH)).rules);
    } catch (error) {
      fill(live, errorNote('Fault rules could not be read', error));
    }
  }, REFRESH_MS);
  return {
    node: h(
      'div',
      { class: 'page' },
      heading('Faults', clearAll),
      ruleForm(ctx, show),
      h('h2', {}, 'Active rules'),
      live,
      h(
        'p',
        { class: 'muted small' },
        'Rules reach every isolate within a few seconds and expire on their own.',
      ),
    ),
    cleanup: stop,
  };
}

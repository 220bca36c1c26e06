/**
 * Fault injection (GET/PUT/DELETE /v1/admin/faults): add a rule with a TTL,
 * see the live ones with their time left, clear one target or all. The API
 * replaces the whole set on PUT, so adding a rule sends the live rules
 * again with the time each has left (a rule for the same target and kind
 * is replaced by the new one).
 */
import { type Ctx, errorNote, heading, type Mounted, poll } from '../context';
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

const REFRESH_MS = 5_000;
const TTL_S_DEFAULT = 300;

function remaining(rule: Rule, now: number): RuleInput | undefined {
  const ttlSeconds = Math.floor((Date.parse(rule.expiresAt) - now) / 1000);
  if (ttlSeconds < 1) return undefined;
  return {
    target: rule.target,
    kind: rule.kind,
    rate: rule.rate,
    ...(rule.latencyMs === undefined ? {} : { latencyMs: rule.latencyMs }),
    ttlSeconds,
  };
}

export function faultsView(ctx: Ctx): Mounted {
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
  const options = h(
    'datalist',
    { id: 'fault-targets' },
    ...targets.map((t) => h('option', { value: t })),
  );
  const kind = select('kind', [
    ['error', 'error: fail at once'],
    ['latency', 'latency: add delay'],
    ['drop', 'drop: no answer until the deadline'],
  ]);
  const rate = h('input', {
    type: 'number',
    name: 'rate',
    min: 0.01,
    max: 1,
    step: 0.01,
    value: 1,
    required: true,
  });
  const latency = h('input', {
    type: 'number',
    name: 'latencyMs',
    min: 1,
    max: 30000,
    step: 1,
    value: 500,
  });
  const latencyField = field('Latency (ms)', latency);
  const ttl = h('input', {
    type: 'number',
    name: 'ttlSeconds',
    min: 1,
    max: 86400,
    step: 1,
    value: TTL_S_DEFAULT,
    required: true,
  });
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add rule');
  const message = h('div');
  const form = h(
    'form',
    { class: 'filters', 'aria-label': 'Add a fault rule' },
    field('Target', target, 'a service, region:<name> or queue:<queue>'),
    options,
    field('Kind', kind),
    field('Rate (0–1)', rate, 'share of calls affected'),
    latencyField,
    field('TTL (s)', ttl, 'the rule expires by itself'),
    h('div', { class: 'field submit' }, add),
  );
  const clearAll = h('button', { type: 'button', class: 'danger' }, 'Clear all');
  const live = h('div', { 'aria-live': 'polite' });
  let rules: Rule[] = [];

  const showLatency = () => {
    latencyField.hidden = kind.value !== 'latency';
  };

  function render() {
    const now = Date.now();
    clearAll.disabled = rules.length === 0;
    fill(
      live,
      table(
        `${rules.length} active rule${rules.length === 1 ? '' : 's'}`,
        ['Target', 'Kind', 'Rate', 'Latency', 'Since', 'Expires', ''],
        rules.map((r) => {
          const clear = h(
            'button',
            { type: 'button', 'aria-label': `Clear rules of ${r.target}` },
            'Clear',
          );
          clear.addEventListener('click', () => void remove(r.target));
          return [
            h('strong', {}, r.target),
            r.kind,
            `${Math.round(r.rate * 100)} %`,
            r.latencyMs === undefined ? '—' : `${r.latencyMs} ms`,
            clock(r.createdAt),
            relative(r.expiresAt, now),
            clear,
          ];
        }),
        { empty: 'No fault is injected.' },
      ),
    );
  }

  async function load() {
    try {
      rules = (await ctx.session.call<{ rules: Rule[] }>('GET', '/v1/admin/faults')).rules;
      render();
    } catch (error) {
      fill(live, errorNote('Fault rules could not be read', error));
    }
  }

  async function remove(which?: string) {
    try {
      const answer = await ctx.session.call<{ rules: Rule[] }>('DELETE', '/v1/admin/faults', {
        query: { target: which },
      });
      rules = answer.rules;
      ctx.notify(which ? `Cleared the rules of ${which}.` : 'Cleared every fault rule.', 'ok');
      render();
    } catch (error) {
      ctx.notify(
        `Could not clear: ${error instanceof Error ? error.message : String(error)}`,
        'bad',
      );
    }
  }

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
      const current = (await ctx.session.call<{ rules: Rule[] }>('GET', '/v1/admin/faults')).rules;
      const now = Date.now();
      const kept = current
        .filter((r) => !(r.target === rule.target && r.kind === rule.kind))
        .map((r) => remaining(r, now))
        .filter((r) => r !== undefined);
      rules = (
        await ctx.session.call<{ rules: Rule[] }>('PUT', '/v1/admin/faults', {
          body: { rules: [...kept, rule] },
        })
      ).rules;
      ctx.notify(`Fault on ${rule.target} added for ${rule.ttlSeconds} s.`, 'ok');
      render();
    } catch (error) {
      message.replaceChildren(errorNote('The rule was not added', error));
    } finally {
      add.disabled = false;
    }
  });
  kind.addEventListener('change', showLatency);
  clearAll.addEventListener('click', () => void remove());
  showLatency();
  const stop = poll(load, REFRESH_MS);
  return {
    node: h(
      'div',
      { class: 'page' },
      heading('Faults', clearAll),
      h('div', { class: 'panel' }, form, message),
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

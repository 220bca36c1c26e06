/** Runtime flags (GET /v1/admin/flags, PUT and DELETE /v1/admin/flags/{name}). */
import { type Ctx, errorNote, heading, type Mounted } from '../context';
import { badge, fill, h } from '../dom';
import { dateTime } from '../format';

interface Flag {
  name: string;
  enabled: boolean;
  percentage?: number;
  regions?: string[];
  description: string;
  source: 'default' | 'override';
  default: boolean;
  updatedAt?: string;
  updatedBy?: string;
}

function editor(ctx: Ctx, flag: Flag, saved: () => void): HTMLElement {
  const id = flag.name.replaceAll('.', '-');
  const enabled = h('input', { type: 'checkbox', id: `${id}-on`, checked: flag.enabled });
  const percentage = h('input', {
    type: 'number',
    id: `${id}-pct`,
    min: 0,
    max: 100,
    step: 1,
    value: flag.percentage ?? '',
    placeholder: 'all',
  });
  const regions = ctx.config.regions.map((r) =>
    h('input', {
      type: 'checkbox',
      value: r,
      checked: !flag.regions || flag.regions.includes(r),
      'aria-label': `${flag.name} in ${r}`,
    }),
  );
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
  const reset = h(
    'button',
    { type: 'button', disabled: flag.source === 'default' },
    'Reset to default',
  );
  const form = h(
    'form',
    { class: 'flag', 'aria-label': `Flag ${flag.name}` },
    h(
      'div',
      { class: 'flag-head' },
      h('h2', {}, flag.name),
      badge(flag.enabled ? 'on' : 'off', flag.enabled ? 'ok' : 'bad'),
      badge(flag.source, flag.source === 'default' ? 'muted' : 'info'),
    ),
    h('p', { class: 'muted' }, flag.description),
    h(
      'div',
      { class: 'flag-controls' },
      h('label', { class: 'check', for: `${id}-on` }, enabled, ' Enabled'),
      h('label', { for: `${id}-pct` }, 'Percentage ', percentage),
      h(
        'fieldset',
        { class: 'regions' },
        h('legend', {}, 'Regions'),
        ...regions.map((box) => h('label', { class: 'check' }, box, ` ${box.value}`)),
      ),
      save,
      reset,
    ),
    flag.updatedAt
      ? h(
          'p',
          { class: 'muted small' },
          `Changed ${dateTime(flag.updatedAt)}${flag.updatedBy ? ` by ${flag.updatedBy}` : ''}; default ${flag.default ? 'on' : 'off'}.`,
        )
      : null,
  );
  const path = `/v1/admin/flags/${encodeURIComponent(flag.name)}`;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = regions.filter((r) => r.checked).map((r) => r.value);
    const body = {
      enabled: enabled.checked,
      ...(percentage.value === '' ? {} : { percentage: Number(percentage.value) }),
      ...(chosen.length === ctx.config.regions.length ? {} : { regions: chosen }),
    };
    try {
      await ctx.session.call('PUT', path, { body });
      ctx.notify(`${flag.name} saved.`, 'ok');
      saved();
    } catch (error) {
      form.append(errorNote(`${flag.name} was not saved`, error));
    }
  });
  reset.addEventListener('click', async () => {
    try {
      await ctx.session.call('DELETE', path);
      ctx.notify(`${flag.name} is back to its default.`, 'ok');
      saved();
    } catch (error) {
      form.append(errorNote(`${flag.name} was not reset`, error));
    }
  });
  return form;
}

export function flagsView(ctx: Ctx): Mounted {
  const list = h('div', {}, h('p', { class: 'muted' }, 'Loading…'));
  async function load() {
    try {
      const { flags } = await ctx.session.call<{ flags: Flag[] }>('GET', '/v1/admin/flags');
      fill(list, ...flags.map((f) => editor(ctx, f, () => void load())));
    } catch (error) {
      fill(list, errorNote('Flags could not be read', error));
    }
  }
  void load();
  return {
    node: h(
      'div',
      { class: 'page' },
      heading('Flags'),
      h(
        'p',
        { class: 'muted' },
        'A change is in force everywhere within a few seconds, without a deploy.',
      ),
      list,
    ),
  };
}

/**
 * Dead letters (GET /v1/admin/dead-letters): by default only those not
 * replayed yet; replay one, or a selection (POST …/{id}/replay each). A
 * letter replayed already answers 409 and is reported as such.
 */
import { ApiError } from '../api';
import { type Ctx, errorNote, heading, type Mounted, messageOf } from '../context';
import { badge, fill, h, table } from '../dom';
import { dateTime, shortId } from '../format';

interface DeadLetter {
  id: string;
  queue: string;
  type: string | null;
  error: string | null;
  attempts: number;
  receivedAt: string;
  replayedAt: string | null;
  body: string;
  region: string;
}

interface Letters {
  items: DeadLetter[];
  partial?: boolean;
  regions?: Record<string, { status: string }>;
}

const LIMIT = 100;

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

export function deadLettersView(ctx: Ctx): Mounted {
  const onlyWaiting = h('input', { type: 'checkbox', id: 'only-waiting', checked: true });
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const replaySelected = h(
    'button',
    { type: 'button', class: 'primary', disabled: true },
    'Replay selected',
  );
  const list = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const selected = new Set<string>();
  let letters: DeadLetter[] = [];

  const updateSelection = () => {
    replaySelected.disabled = selected.size === 0;
    replaySelected.textContent = selected.size
      ? `Replay selected (${selected.size})`
      : 'Replay selected';
  };

  async function replay(ids: string[]) {
    let sent = 0;
    const already: string[] = [];
    const failed: string[] = [];
    for (const id of ids) {
      try {
        await ctx.session.call('POST', `/v1/admin/dead-letters/${encodeURIComponent(id)}/replay`);
        sent++;
      } catch (error) {
        if (error instanceof ApiError && error.status === 409) already.push(id);
        else failed.push(`${shortId(id)}: ${messageOf(error)}`);
      }
    }
    const parts = [
      sent
        ? `Replayed ${sent} letter${sent === 1 ? '' : 's'} to ${sent === 1 ? 'its' : 'their'} queue.`
        : '',
      already.length ? `${already.length} had been replayed already (nothing sent).` : '',
      failed.length ? `Failed: ${failed.join('; ')}` : '',
    ];
    ctx.notify(parts.filter(Boolean).join(' '), failed.length ? 'bad' : sent ? 'ok' : 'warn');
    selected.clear();
    updateSelection();
    await load();
  }

  function row(l: DeadLetter) {
    const box = h('input', {
      type: 'checkbox',
      'aria-label': `Select ${l.id}`,
      disabled: l.replayedAt !== null,
      checked: selected.has(l.id),
    });
    box.addEventListener('change', () => {
      if (box.checked) selected.add(l.id);
      else selected.delete(l.id);
      updateSelection();
    });
    const one = h(
      'button',
      { type: 'button', disabled: l.replayedAt !== null, 'aria-label': `Replay ${l.id}` },
      'Replay',
    );
    one.addEventListener('click', () => void replay([l.id]));
    return [
      box,
      h('span', { class: 'mono', title: l.id }, shortId(l.id)),
      h('span', {}, l.type ?? '—', h('br'), h('small', { class: 'muted' }, l.queue)),
      l.region,
      h('span', { class: 'error-text' }, l.error ?? '—'),
      String(l.attempts),
      dateTime(l.receivedAt),
      l.replayedAt ? badge(`replayed ${dateTime(l.replayedAt)}`, 'ok') : badge('waiting', 'bad'),
      h(
        'div',
        { class: 'row-actions' },
        one,
        h('details', {}, h('summary', {}, 'Message'), h('pre', {}, pretty(l.body))),
      ),
    ];
  }

  async function load() {
    try {
      const answer = await ctx.session.call<Letters>('GET', '/v1/admin/dead-letters', {
        query: { limit: LIMIT, replayed: onlyWaiting.checked ? 'false' : undefined },
      });
      letters = answer.items.filter((l) => !onlyWaiting.checked || l.replayedAt === null);
      for (const id of selected) if (!letters.some((l) => l.id === id)) selected.delete(id);
      updateSelection();
      const missing = Object.entries(answer.regions ?? {}).filter(([, r]) => r.status !== 'ok');
      fill(
        list,
        answer.partial
          ? h(
              'p',
              { class: 'note warn' },
              `Partial: ${missing.map(([r]) => r).join(', ')} did not answer.`,
            )
          : null,
        table(
          `${letters.length} dead letter${letters.length === 1 ? '' : 's'}${onlyWaiting.checked ? ' not replayed' : ''}`,
          ['', 'Id', 'Message', 'Region', 'Error', 'Attempts', 'Received', 'State', ''],
          letters.map(row),
          {
            empty: onlyWaiting.checked ? 'No dead letter waits for a replay.' : 'No dead letters.',
            className: 'letters',
          },
        ),
      );
    } catch (error) {
      fill(list, errorNote('Dead letters could not be listed', error));
    }
  }

  onlyWaiting.addEventListener('change', () => void load());
  refresh.addEventListener('click', () => void load());
  replaySelected.addEventListener('click', () => void replay([...selected]));
  void load();
  return {
    node: h(
      'div',
      { class: 'page' },
      heading('Dead letters', refresh, replaySelected),
      h(
        'div',
        { class: 'panel toolbar' },
        h('label', { class: 'check' }, onlyWaiting, ' Only letters not replayed yet'),
      ),
      list,
    ),
  };
}

/**
 * Dead letters (GET /v1/admin/dead-letters): by default only those not
 * replayed yet; replay one, or a selection (POST …/{id}/replay each). A
 * letter replayed already answers 409 and is reported as such.
 */
import { ApiError, type Session } from '../api';
import { type Ctx, errorNote, heading, latestOnly, type Mounted, messageOf } from '../context';
import { badge, type Child, fill, h, type Tone, table } from '../dom';
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

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Replays each letter once, in turn; says what was sent, what had been already, what failed. */
async function replayAll(
  session: Session,
  ids: string[],
): Promise<{ message: string; tone: Tone }> {
  let sent = 0;
  let already = 0;
  const failed: string[] = [];
  for (const id of ids) {
    try {
      await session.call('POST', `/v1/admin/dead-letters/${encodeURIComponent(id)}/replay`);
      sent++;
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) already++;
      else failed.push(`${shortId(id)}: ${messageOf(error)}`);
    }
  }
  const message = [
    sent ? `Replayed ${plural(sent, 'letter')} to ${sent === 1 ? 'its' : 'their'} queue.` : '',
    already ? `${already} had been replayed already (nothing sent).` : '',
    failed.length ? `Failed: ${failed.join('; ')}` : '',
  ];
  return {
    message: message.filter(Boolean).join(' '),
    tone: failed.length ? 'bad' : sent ? 'ok' : 'warn',
  };
}

interface RowActions {
  selected: Set<string>;
  changed: () => void;
  replay: (ids: string[]) => void;
}

function letterRow(l: DeadLetter, actions: RowActions): Child[] {
  const done = l.replayedAt !== null;
  const box = h('input', {
    type: 'checkbox',
    'aria-label': `Select ${l.id}`,
    disabled: done,
    checked: actions.selected.has(l.id),
  });
  box.addEventListener('change', () => {
    if (box.checked) actions.selected.add(l.id);
    else actions.selected.delete(l.id);
    actions.changed();
  });
  const one = h(
    'button',
    { type: 'button', disabled: done, 'aria-label': `Replay ${l.id}` },
    'Replay',
  );
  one.addEventListener('click', () => actions.replay([l.id]));
  return [
    box,
    h('span', { class: 'mono', title: l.id }, shortId(l.id)),
    h('span', {}, l.type ?? '—', h('br'), h('small', { class: 'muted' }, l.queue)),
    l.region,
    h('span', { class: 'error-text' }, l.error ?? '—'),
    String(l.attempts),
    dateTime(l.receivedAt),
    done ? badge(`replayed ${dateTime(l.replayedAt ?? '')}`, 'ok') : badge('waiting', 'bad'),
    h(
      'div',
      { class: 'row-actions' },
      one,
      h('details', {}, h('summary', {}, 'Message'), h('pre', {}, pretty(l.body))),
    ),
  ];
}

export function deadLettersView(ctx: Ctx): Mounted {
  const onlyWaiting = h('input', { type: 'checkbox', checked: true });
  const refresh = h('button', { type: 'button' }, 'Refresh');
  const replaySelected = h(
    'button',
    { type: 'button', class: 'primary', disabled: true },
    'Replay selected',
  );
  const list = h('div', { 'aria-live': 'polite' }, h('p', { class: 'muted' }, 'Loading…'));
  const actions: RowActions = {
    selected: new Set<string>(),
    changed() {
      const n = actions.selected.size;
      replaySelected.disabled = n === 0;
      replaySelected.textContent = n ? `Replay selected (${n})` : 'Replay selected';
    },
    replay(ids) {
      void replayAll(ctx.session, ids).then(({ message, tone }) => {
        ctx.notify(message, tone);
        actions.selected.clear();
        actions.changed();
        return load();
      });
    },
  };
  const begin = latestOnly();
  async function load() {
    const fresh = begin();
    try {
      const waiting = onlyWaiting.checked;
      const answer = await ctx.session.call<Letters>('GET', '/v1/admin/dead-letters', {
        query: { limit: LIMIT, replayed: waiting ? 'false' : undefined },
      });
      if (!fresh()) return;
      const letters = answer.items.filter((l) => !waiting || l.replayedAt === null);
      for (const id of actions.selected)
        if (!letters.some((l) => l.id === id)) actions.selected.delete(id);
      actions.changed();
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
          `${plural(letters.length, 'dead letter')}${waiting ? ' not replayed' : ''}`,
          ['', 'Id', 'Message', 'Region', 'Error', 'Attempts', 'Received', 'State', ''],
          letters.map((l) => letterRow(l, actions)),
          { empty: waiting ? 'No dead letter waits for a replay.' : 'No dead letters.' },
        ),
      );
    } catch (error) {
      fill(list, errorNote('Dead letters could not be listed', error));
    }
  }
  onlyWaiting.addEventListener('change', () => void load());
  refresh.addEventListener('click', () => void load());
  replaySelected.addEventListener('click', () => actions.replay([...actions.selected]));
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

// "Awaiting your action": the other side's notices this side owes an answer to (needing an ack,
// not answered, not cancelled nor superseded), soonest deadline first, with their count; and,
// quieter and folded, one's own notices waiting on the other side.

import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { refText, title } from './render.js';
import { awaitingAck } from './store.js';
import { duration, hhmmz } from './time.js';

const byDeadline = (a, b) => (a.state?.deadline ?? Infinity) - (b.state?.deadline ?? Infinity) || a.notice.time - b.notice.time;

/** What this side owes an answer to, soonest deadline first. */
export function owed(store, session) {
  return [...store.items.values()].filter((item) => item.side !== session.side && item.kind !== 'ack' && awaitingAck(item)).sort(byDeadline);
}

/** One's own notices the other side has not answered yet, soonest deadline first. */
export function waiting(store, session) {
  return [...store.items.values()].filter((item) => item.side === session.side && item.kind !== 'ack' && awaitingAck(item)).sort(byDeadline);
}

/** Whether the answer is late now. */
export function isLate(item, now = Date.now()) {
  return Boolean(item.state?.deadline) && item.state.deadline <= now;
}

export function dueText(item, now = Date.now()) {
  const deadline = item.state?.deadline;
  if (!deadline) return t('queue.no_deadline');
  const left = deadline - now;
  return left <= 0 ? t('board.overdue_by', { duration: duration(-left) }) : t('board.due_in', { duration: duration(left) });
}

export class ActionQueue {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.open = false; // whether the quieter list is unfolded
  }

  row(item) {
    const { store, navigate } = this.ctx;
    const late = isLate(item);
    return h(
      'li',
      { class: ['queue-item', late && 'late-item'], 'data-key': item.key, 'data-deadline': item.state?.deadline ?? '' },
      h('span', { class: `prec prec-${item.precedence}` }, item.precedence),
      ' ',
      h('button', { type: 'button', class: 'link', onclick: () => navigate(`#board/${item.side}/${item.index}`) }, title(item)),
      ' ',
      h('span', { class: 'hint' }, refText(store, item)),
      ' · ',
      h('span', { class: late ? 'late' : 'due', 'data-due': '' }, dueText(item)),
      item.state?.deadline ? h('span', { class: 'hint' }, ` (${hhmmz(item.state.deadline)})`) : null,
    );
  }

  render() {
    const { store, session } = this.ctx;
    const mine = owed(store, session);
    const theirs = waiting(store, session);
    const peer = session.peer ? session.peer.side : '';
    const details = h(
      'details',
      { class: 'waiting', 'data-count': theirs.length, open: this.open, ontoggle: (e) => { this.open = e.target.open; } },
      h('summary', { id: 'waiting-heading' }, t('queue.waiting', { side: peer, count: theirs.length })),
      theirs.length ? h('ol', { class: 'queue-list quiet', 'aria-labelledby': 'waiting-heading' }, theirs.map((item) => this.row(item))) : h('p', { class: 'hint' }, t('queue.waiting_none')),
    );
    replace(
      this.root,
      h(
        'section',
        { class: ['awaiting', mine.length && 'some'], 'aria-labelledby': 'awaiting-heading', 'data-count': mine.length },
        h('h2', { id: 'awaiting-heading' }, t('queue.awaiting'), ' ', h('span', { class: 'count-badge', 'data-awaiting-count': mine.length }, String(mine.length))),
        mine.length ? h('ol', { class: 'queue-list', 'aria-labelledby': 'awaiting-heading' }, mine.map((item) => this.row(item))) : h('p', { class: 'hint' }, t('queue.none')),
      ),
      details,
    );
  }
}

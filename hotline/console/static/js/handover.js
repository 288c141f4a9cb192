// Shift handover: a printable summary of the line at one moment — its state, what this side owes
// an answer to, what waits on the other side, what is overdue either way, the volumes that apply
// now or within the next hours, the emergencies still open and the open conflicts. Shown as a
// print-styled sheet over the console; "Print" prints that sheet alone (@media print).

import { h } from './dom.js';
import { t, tEnum } from './i18n.js';
import { owed, dueText, isLate, waiting } from './queue.js';
import { block, refText, title, window_ } from './render.js';
import { displayState } from './store.js';
import { dtg } from './time.js';

const AHEAD_MS = 12 * 3_600_000; // volumes starting within the next 12 hours are listed too
const EMERGENCIES = new Set(['aircraft_in_distress', 'downed_pilot']);

const live = (item) => !['cancelled', 'superseded'].includes(displayState(item));

export class Handover {
  constructor(ctx) {
    this.ctx = ctx;
    this.sheet = null;
  }

  open() {
    this.close();
    this.opener = document.activeElement;
    this.sheet = this.render();
    document.body.append(this.sheet);
    document.body.classList.add('handover-open');
    this.sheet.querySelector('h1').focus();
  }

  close() {
    if (!this.sheet) return;
    this.sheet.remove();
    this.sheet = null;
    document.body.classList.remove('handover-open');
    this.opener?.focus?.();
  }

  section(name, items, line) {
    return h(
      'section',
      { class: 'handover-part', 'data-part': name },
      h('h2', null, `${t(`handover.${name}`)} (${items.length})`),
      items.length ? h('ul', null, items.map((item) => h('li', { 'data-key': item.key }, line(item)))) : h('p', null, t('handover.nothing')),
    );
  }

  render() {
    const { store, session, conflicts } = this.ctx;
    const now = Date.now();
    const mine = owed(store, session);
    const theirs = waiting(store, session);
    const overdue = [...mine, ...theirs].filter((item) => isLate(item, now));
    const notices = [...store.items.values()].filter(live);
    const volumes = notices
      .filter((item) => item.kind === 'planned_operation' && item.notice.window.end > now && item.notice.window.start < now + AHEAD_MS)
      .sort((a, b) => a.notice.window.start - b.notice.window.start);
    const emergencies = notices.filter((item) => EMERGENCIES.has(item.kind)).sort((a, b) => b.notice.time - a.notice.time);
    const ref = (item) => `${item.precedence} · ${title(item)} · ${refText(store, item)}`;
    const due = (item) => `${ref(item)} — ${dueText(item, now)}`;
    const volume = (item) => {
      const w = item.notice.window;
      const when = w.start <= now ? t('handover.active_now') : t('handover.starts', { time: dtg(w.start) });
      const answer = item.state?.acknowledged;
      const said = answer ? ` · ${answer.response}${answer.reason_code ? ` (${tEnum('ReasonCode', answer.reason_code)})` : ''}` : '';
      return `${ref(item)} — ${block(item.notice.vertical_block)} · ${window_(w)} (${when})${said}`;
    };
    const link = document.getElementById('link-status')?.textContent || '';
        const peer = session.peer ? session.peer.side : '';
    const sheet = h(
      'div',
      { id: 'handover', class: 'handover', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'handover-title', onkeydown: (e) => { if (e.key === 'Escape') this.close(); } },
      h(
        'div',
        { class: 'handover-bar' },
        h('button', { type: 'button', class: 'primary', 'data-print': '', onclick: () => window.print() }, t('handover.print')),
        h('button', { type: 'button', 'data-close': '', onclick: () => this.close() }, t('handover.close')),
      ),
      h('h1', { id: 'handover-title', tabindex: '-1' }, t('handover.title', { side: session.side })),
      h('p', null, t('handover.at', { time: dtg(now), user: session.user })),
      h('section', { class: 'handover-part', 'data-part': 'line' }, h('h2', null, t('handover.line')), h('p', null, link), h('p', null, t('handover.conflicts', { count: conflicts.openCount() }))),
      this.section('owed', mine, due),
      this.section('waiting', theirs, due),
      this.section('overdue', overdue, (item) => `${due(item)} · ${item.side === session.side ? t('handover.their_answer', { side: peer }) : t('handover.our_answer')}`),
      this.section('volumes', volumes, volume),
      this.section('emergencies', emergencies, (item) => `${ref(item)} — ${t(`state.${displayState(item)}`)} · ${dtg(item.notice.time)}`),
    );
    return sheet;
  }

}

// A board card: one notice's thread — its latest version (precedence, side, state, summary, the
// notices it refers to), then oldest first its earlier versions, acks (answer chip, reason code
// and text), cancel and liaison remarks, and the answers this side owes in it.

import { ackButtons } from './ack.js';
import { badge } from './conflicts/text.js';
import { h } from './dom.js';
import { t, tEnum } from './i18n.js';
import { fill, freeText, refText, responseChip, summary, title } from './render.js';
import { awaitingAck, displayState } from './store.js';
import { refName } from './threads.js';
import { dtg, duration, hhmmz } from './time.js';

const INTERACTIVE = 'button, a, input, select, textarea, label, summary, form, details';

export class Cards {
  constructor(ctx, board) {
    this.ctx = ctx;
    this.board = board;
  }

  /** The card of a thread (the whole card opens its latest version: a click, Enter). */
  render(thread) {
    const { session, store } = this.ctx;
    const item = thread.head;
    const own = item.side === session.side;
    const state = displayState(item);
    const n = item.notice;
    const headingId = `card-${thread.root.side}-${thread.root.index}`;
    const keys = thread.members.map((m) => m.key);
    const selected = this.board.selected && keys.includes(this.board.selected);
    const open = (e) => {
      if (e.target.closest(INTERACTIVE) && e.target.closest(INTERACTIVE) !== e.currentTarget) return;
      this.board.select(item.key);
    };
    return h(
      'li',
      {
        class: ['notice', `prec-${item.precedence}`, own ? 'own' : 'theirs', `state-${state}`, selected && 'selected'],
        'data-key': thread.key,
        'data-head': item.key,
        'data-keys': keys.join(' '),
        'data-kind': item.kind,
        'data-state': state,
        'data-side': item.side,
        'data-index': thread.root.index,
        onclick: open,
      },
      h(
        'article',
        {
          'aria-labelledby': headingId,
          tabindex: '0',
          onkeydown: (e) => {
            if (e.target === e.currentTarget && (e.key === 'Enter' || e.key === ' ')) {
              e.preventDefault();
              this.board.select(item.key);
            }
          },
        },
        h(
          'header',
          null,
          h('span', { class: `prec prec-${item.precedence}` }, item.precedence),
          h('span', { class: `side ${own ? 'own' : 'theirs'}` }, `${item.side} · ${own ? t('board.ours') : t('board.theirs')}`),
          n.status !== 'actual' && h('span', { class: 'exercise' }, t(`notice.${n.status}`)),
          badge(this.ctx.conflicts.of(item.key)),
          item.kind === 'ack' && n.response && responseChip(n.response),
          h('time', { datetime: new Date(n.time).toISOString(), class: 'dtg' }, dtg(n.time)),
        ),
        h('h3', { id: headingId, class: 'kind' }, h('button', { type: 'button', class: 'link', onclick: () => this.board.select(item.key) }, title(item))),
        h('p', { class: 'summary' }, summary(item, store)),
        this.refsLine(item),
        this.stateLine(item),
        this.threadList(thread),
        this.actions(thread),
      ),
    );
  }
  /** A clickable reference: the referenced notice by its operation reference or callsign. */
  refLink(ref, short = false) {
    const { store } = this.ctx;
    const target = store.byRef(ref) || (ref?.side !== undefined ? store.get(ref.side, ref.index) : undefined);
    const side = target?.side ?? ref.side ?? store.sideOfOrigin(ref.origin);
    return h('button', { type: 'button', class: 'link ref', 'data-ref': `${side}/${ref.index}`, title: short ? refName(store, ref) : null, onclick: () => this.ctx.navigate(`#board/${side}/${ref.index}`) }, short ? refText(store, ref) : refName(store, ref));
  }

  /** The notices this one refers to (a distress followed, the entries a handled conflict names). */
  refsLine(item) {
    const n = item.notice;
    const refs = [n.distress_ref, ...(n.conflict ? n.regarding || [] : [])].filter(Boolean);
    if (!refs.length) return null;
    return h('p', { class: 'refs' }, `${t('thread.refers_to')}: `, refs.map((r, i) => [i ? ', ' : '', this.refLink(r)]));
  }
  /** What was said about the notice, oldest first: earlier versions, acks, cancels, remarks. */
  threadList(thread) {
    const others = thread.members.filter((m) => m !== thread.head);
    if (!others.length) return null;
    return h('ol', { class: 'thread', 'aria-label': t('thread.label') }, others.map((m) => this.entry(m, thread)));
  }
  entry(m, thread) {
    const { store } = this.ctx;
    const n = m.notice;
    const by = `${m.side}/${n.author?.id ?? ''}`;
    const open = h('button', { type: 'button', class: 'link entry-open', onclick: () => this.board.select(m.key) }, hhmmz(n.time));
    const target = n.ref ? store.byRef(n.ref) : null;
    const about = target && target !== thread.head ? [' ', t('thread.to'), ' ', this.refLink(n.ref)] : null;
    let body;
    if (n.kind === 'ack') {
      body = [
        responseChip(n.response),
        ' ',
        by,
        about,
        n.reason_code && [' · ', h('span', { class: 'reason-code', 'data-reason-code': n.reason_code }, tEnum('ReasonCode', n.reason_code))],
        n.reason && [' · ', freeText(n.reason)],
        n.remark && [' · ', freeText(n.remark)],
      ];
    } else if (n.kind === 'cancel') {
      body = [h('span', { class: 'chip state-cancelled' }, tEnum('Kind', 'cancel')), ' ', by, about, ' · ', tEnum('CancelReason', n.reason), n.remark && [' · ', freeText(n.remark)]];
    } else if (n.kind === 'liaison') {
      body = [h('span', { class: 'chip' }, t('thread.remark')), ' ', by, ' · ', freeText(n.text, n.language)];
    } else {
      const state = displayState(m);
      body = [h('span', { class: `chip state-${state}`, 'data-entry-state': state }, t(m === thread.root ? 'thread.first' : 'thread.version')), ' ', summary(m, store)];
    }
    return h('li', { class: ['thread-entry', `entry-${n.kind}`], 'data-entry': m.key, 'data-entry-kind': n.kind }, open, ' ', body);
  }
  stateLine(item) {
    const st = item.state || {};
    const state = displayState(item);
    const parts = [h('span', { class: `chip state-${state}`, 'data-state-chip': state }, t(`state.${state}`))];
    if (st.acknowledged) {
      parts.push(' ', ...fill('state.acknowledged_at', { response: responseChip(st.acknowledged.response), by: st.acknowledged.by, time: hhmmz(st.acknowledged.at) }));
    } else if (st.delivered && state === 'delivered') {
      parts.push(' ', hhmmz(st.delivered.at));
    }
    if (item.early) parts.push(' ', h('span', { class: 'note' }, t('board.early')));
    if (awaitingAck(item) && st.deadline) {
      const left = st.deadline - Date.now();
      parts.push(' · ', h('span', { class: left < 0 ? 'late' : 'due', 'data-deadline': st.deadline }, left < 0 ? t('board.overdue_by', { duration: duration(-left) }) : t('board.due_in', { duration: duration(left) })));
    }
    return [h('p', { class: 'state' }, parts), this.undelivered(item)];
  }
  /** While the link is down, an own notice the other side does not hold yet says so, with the
   * voice fallback to use meanwhile. */
  undelivered(item) {
    const { session, link } = this.ctx;
    const down = link?.downSince();
    if (!down || item.side !== session.side || item.state?.delivered || item.kind === 'ack') return null;
    const peer = session.peer ? session.peer.side : '';
    return h(
      'p',
      { class: 'undelivered', 'data-undelivered': item.key },
      h('span', { 'aria-hidden': 'true' }, '⚠ '),
      t('link.not_received', { side: peer, time: hhmmz(down) }),
      session.fallback ? [' ', t('link.fallback', { fallback: session.fallback })] : '',
    );
  }
  /** Answers owed in this thread: to the notice, or to the other side's cancel of it. */
  actions(thread) {
    const { session } = this.ctx;
    const box = h('div', { class: 'actions' });
    if (!this.ctx.canPost) return box;
    for (const m of thread.members) {
      if (m.side === session.side || m.kind === 'ack' || !awaitingAck(m)) continue;
      const label = m.kind === 'cancel' ? `${tEnum('Kind', 'cancel')}: ${title(thread.head)}` : title(m);
      if (m.kind === 'cancel') box.append(h('span', { class: 'hint' }, t('thread.ack_cancel')));
      box.append(ackButtons(this.ctx, m, label));
    }
    return box;
  }
}

// The board: one card per notice (a thread: the notice with its updates, acks, cancels and
// handling remarks inside), the latest activity first, unacknowledged FLASH pinned on top; above
// it "Awaiting your action" (what this side owes an answer to) and, quieter, what waits on the
// other side; filters and a search across every field; the whole card opens it (click, Enter);
// one-click answers to the other side's notices; a details pane (with the notice's conflicts).

import { ackButtons } from './ack.js';
import { Cards } from './cards.js';
import { otherRef } from './conflicts/store.js';
import { certaintyChip, noticeName, overlapLine, stateChip, typeText } from './conflicts/text.js';
import { h, replace } from './dom.js';
import { Handover } from './handover.js';
import { t, tEnum } from './i18n.js';
import { ActionQueue } from './queue.js';
import { details, fill, refText, responseChip, title } from './render.js';
import { awaitingAck, displayState } from './store.js';
import { buildThreads, threadMatches } from './threads.js';
import { dtg, duration, hhmmz } from './time.js';

const KINDS = ['planned_operation', 'aircraft_in_distress', 'downed_pilot', 'liaison', 'ack', 'cancel'];
const STATES = ['appended', 'delivered', 'acknowledged', 'overdue', 'cancelled', 'superseded'];
const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'];
const GEO_KINDS = new Set(['planned_operation', 'aircraft_in_distress', 'downed_pilot']);

const latest = (thread) => thread.members[thread.members.length - 1];

export class Board {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.filters = { kind: '', side: '', state: '', precedence: '' };
    this.query = '';
    this.selected = null;
    this.cards = new Map(); // thread root key -> card element
    this.searchCache = new WeakMap();
    this.view = { threads: new Map(), rootOf: new Map() };
    this.cardsView = new Cards(ctx, this);
    this.build();
    ctx.store.subscribe((changed) => this.update(changed));
    ctx.conflicts.subscribe((keys) => this.update(keys));
    ctx.every(() => this.tick(), 15_000);
  }

  build() {
    const select = (name, values, labelOf) =>
      h(
        'label',
        { class: 'filter' },
        h('span', { 'data-i18n': `board.filter_${name}` }, t(`board.filter_${name}`)),
        h(
          'select',
          { name, 'data-filter': name, onchange: (e) => this.setFilter(name, e.target.value) },
          h('option', { value: '', 'data-i18n': 'board.all' }, t('board.all')),
          values.map((v) => h('option', { value: v }, labelOf(v))),
        ),
      );
    const { session } = this.ctx;
    const sides = [session.side, ...(session.peer ? [session.peer.side] : [])];
    this.search = h('input', { type: 'search', id: 'board-search', name: 'q', value: this.query, placeholder: t('board.search_hint'), autocomplete: 'off', spellcheck: 'false', oninput: (e) => { this.query = e.target.value; this.update(); } });
    this.filterBar = h(
      'form',
      { class: 'filters', 'aria-label': t('board.filters'), 'data-i18n-label': 'board.filters', role: 'search', onsubmit: (e) => e.preventDefault() },
      h('label', { class: 'filter search' }, h('span', null, t('board.search')), this.search),
      select('kind', KINDS, (v) => tEnum('Kind', v)),
      select('side', sides, (v) => `${v} · ${v === session.side ? t('board.ours') : t('board.theirs')}`),
      select('state', STATES, (v) => t(`state.${v}`)),
      select('precedence', PRECEDENCES, (v) => tEnum('Precedence', v)),
    );
    this.queueBox = h('div', { class: 'queue', id: 'action-queue' });
    this.queue = new ActionQueue(this.queueBox, this.ctx);
    this.handover = new Handover(this.ctx);
    this.count = h('p', { class: 'count', 'aria-live': 'polite' });
    this.pinnedList = h('ol', { class: 'notices pinned', 'aria-labelledby': 'pinned-heading' });
    this.pinned = h('section', { class: 'pinned-section', hidden: true }, h('h3', { id: 'pinned-heading', 'data-i18n': 'board.pinned' }, t('board.pinned')), this.pinnedList);
    this.list = h('ol', { class: 'notices', 'aria-labelledby': 'list-heading', id: 'notice-list' });
    this.empty = h('p', { class: 'empty', 'data-i18n': 'board.empty', hidden: true }, t('board.empty'));
    this.detail = h('section', { class: 'detail', id: 'notice-detail', 'aria-live': 'polite', tabindex: '-1' });
    replace(
      this.root,
      h(
        'div',
        { class: 'board' },
        h(
          'div',
          { class: 'board-list' },
          h('div', { class: 'board-tools' }, h('button', { type: 'button', id: 'handover-open', onclick: () => this.handover.open() }, t('handover.open'))),
          this.queueBox,
          h('h2', { id: 'list-heading', class: 'sr-only', 'data-i18n': 'board.list' }, t('board.list')),
          this.filterBar,
          this.count,
          this.pinned,
          this.list,
          this.empty,
        ),
        this.detail,
      ),
    );
    this.renderDetail();
  }

  /** Rebuild after a language switch (labels of selects and every card). */
  relabel() {
    const filters = { ...this.filters };
    const handover = Boolean(this.handover?.sheet);
    this.handover?.close();
    this.cards.clear();
    this.searchCache = new WeakMap();
    this.build();
    for (const [name, value] of Object.entries(filters)) this.filterBar.querySelector(`[data-filter="${name}"]`).value = value;
    this.update();
    if (handover) this.handover.open();
  }

  setFilter(name, value) {
    this.filters[name] = value;
    this.update();
  }

  matches(thread) {
    const f = this.filters;
    const head = thread.head;
    return (
      (!f.kind || thread.members.some((m) => m.kind === f.kind)) &&
      (!f.side || head.side === f.side) &&
      (!f.precedence || head.precedence === f.precedence) &&
      (!f.state || displayState(head) === f.state) &&
      threadMatches(this.ctx.store, thread, this.query, this.searchCache)
    );
  }

  isPinned(thread) {
    const head = thread.head;
    return head.precedence === 'FLASH' && head.kind !== 'ack' && awaitingAck(head);
  }

  update(changed) {
    const { store } = this.ctx;
    this.view = buildThreads(store);
    const { threads, rootOf } = this.view;
    if (changed) {
      for (const key of changed) {
        this.cards.delete(key);
        const root = rootOf.get(key);
        if (root) this.cards.delete(root);
      }
    }
    for (const key of [...this.cards.keys()]) if (!threads.has(key)) this.cards.delete(key);
    const all = [...threads.values()].sort((a, b) => latest(b).notice.time - latest(a).notice.time || (a.key < b.key ? 1 : -1));
    const shown = all.filter((thread) => this.matches(thread));
    const pinned = shown.filter((thread) => this.isPinned(thread));
    const rest = shown.filter((thread) => !this.isPinned(thread));
    this.place(this.pinnedList, pinned);
    this.place(this.list, rest);
    this.pinned.hidden = pinned.length === 0;
    this.empty.hidden = shown.length > 0;
    this.count.textContent = t('board.count', { shown: shown.length, total: all.length });
    this.queue.render();
    if (this.selected && (!changed || this.threadChanged(this.selected, changed))) this.renderDetail();
  }

  /** Whether anything in the thread of `key` is among the `changed` keys. */
  threadChanged(key, changed) {
    const thread = this.view.threads.get(this.view.rootOf.get(key));
    return changed.has(key) || Boolean(thread?.members.some((m) => changed.has(m.key)));
  }

  /** Put the cards of `threads` into `list` in order, reusing unchanged cards (keeps focus). */
  place(list, threads) {
    const wanted = threads.map((thread) => this.card(thread));
    const keep = new Set(wanted);
    for (const child of [...list.children]) if (!keep.has(child)) child.remove();
    wanted.forEach((card, i) => {
      if (list.children[i] !== card) list.insertBefore(card, list.children[i] || null);
    });
  }






  card(thread) {
    const cached = this.cards.get(thread.key);
    if (cached) return cached;
    const el = this.cardsView.render(thread);
    this.cards.set(thread.key, el);
    return el;
  }

  /** The link went up or down: redraw the own notices the other side may not hold. */
  linkChanged() {
    const { store, session } = this.ctx;
    const changed = new Set();
    for (const item of store.items.values()) if (item.side === session.side && !item.state?.delivered) changed.add(item.key);
    if (changed.size) this.update(changed);
  }

  /** The details pane's list of the notice's conflicts, each naming the other notice. */
  conflictsOf(item) {
    const { store, conflicts } = this.ctx;
    const list = conflicts.of(item.key);
    if (item.notice.conflict) {
      const handles = conflicts.get(item.notice.conflict);
      return h(
        'section',
        { class: 'notice-conflicts', 'data-handles': item.notice.conflict },
        h('h3', null, t('conflict.handles')),
        h('p', null, handles ? `${typeText(handles)}: ${handles.between.map((r) => noticeName(store, r)).join(' / ')}` : t('conflict.id', { id: item.notice.conflict.slice(0, 8) }), ' ', h('button', { type: 'button', class: 'small', onclick: () => this.ctx.navigate(`#conflicts/${item.notice.conflict}`) }, t('conflict.show_list'))),
      );
    }
    if (!list.length) return null;
    return h(
      'section',
      { class: 'notice-conflicts' },
      h('h3', null, t('conflict.of_notice')),
      h(
        'ul',
        { class: 'conflict-lines' },
        list.map((c) => {
          const other = otherRef(c, item.key);
          return h(
            'li',
            { 'data-conflict-id': c.id, 'data-state': c.state },
            certaintyChip(c),
            ' ',
            stateChip(c),
            ' ',
            t('conflict.with'),
            ' ',
            h('button', { type: 'button', class: 'link', 'data-notice': `${other.side}/${other.index}`, onclick: () => this.ctx.navigate(`#board/${other.side}/${other.index}`) }, noticeName(store, other)),
            h('br'),
            h('span', { class: 'hint' }, overlapLine(c)),
            ' ',
            h('button', { type: 'button', class: 'small', onclick: () => this.ctx.navigate(`#conflicts/${c.id}`) }, t('conflict.show_list')),
          );
        }),
      ),
    );
  }


  select(key) {
    this.selected = key;
    for (const card of this.root.querySelectorAll('li.notice')) card.classList.toggle('selected', Boolean(key) && (card.dataset.keys || '').split(' ').includes(key));
    this.renderDetail();
    if (key && matchMedia('(max-width: 900px)').matches) this.detail.scrollIntoView({ block: 'start' });
    if (key) this.detail.focus({ preventScroll: true });
  }

  renderDetail() {
    const { store, session } = this.ctx;
    const item = this.selected ? store.items.get(this.selected) : null;
    if (!item) {
      replace(this.detail, h('h2', { 'data-i18n': 'board.details' }, t('board.details')), h('p', { class: 'hint' }, t('board.select_hint')));
      return;
    }
    const own = item.side === session.side;
    const st = item.state || {};
    const rows = details(item, store, (ref) => this.cardsView.refLink(ref, true));
    const ackd = st.acknowledged;
    const timeline = [
      st.appended_at && t('state.sent_at', { time: dtg(st.appended_at) }),
      st.delivered && t('state.delivered_at', { time: dtg(st.delivered.at), by: st.delivered.by, size: st.delivered.size }),
      ackd && h('span', null, fill('state.acknowledged_at', { response: responseChip(ackd.response), by: ackd.by, time: dtg(ackd.at) }), ` — ${tEnum('ResponseMeaning', ackd.response)}`),
      ackd?.reason_code && h('span', null, `${t('field.reason_code')}: `, h('span', { class: 'reason-code', 'data-reason-code': ackd.reason_code }, tEnum('ReasonCode', ackd.reason_code))),
      ackd?.reason && h('span', null, `${t('field.reason')}: `, h('q', { class: 'as-written' }, ackd.reason)),
      ackd?.remark && h('span', null, `${t('field.remark')}: `, h('q', { class: 'as-written' }, ackd.remark)),
      awaitingAck(item) && st.deadline && t('board.deadline', { time: dtg(st.deadline) }),
      st.overdue && !ackd && t('state.overdue'),
      st.cancelled_by && t('state.cancelled_by', { ref: refText(store, st.cancelled_by) }),
      st.superseded_by && t('state.superseded_by', { ref: refText(store, st.superseded_by) }),
    ].filter(Boolean);
    const actions = h('div', { class: 'actions' });
    if (!own && item.kind !== 'ack' && this.ctx.canPost) {
      if (ackd) actions.append(h('p', { class: 'hint' }, t('ack.again')));
      actions.append(ackButtons(this.ctx, item));
    }
    if (own && this.ctx.canPost && !['ack', 'cancel'].includes(item.kind) && !st.cancelled_by && !st.superseded_by) {
      actions.append(
        h('button', { type: 'button', onclick: () => this.ctx.navigate(`#compose/update/${item.side}/${item.index}`) }, t('board.update')),
        h('button', { type: 'button', onclick: () => this.ctx.navigate(`#compose/cancel/${item.side}/${item.index}`) }, t('board.cancel_notice')),
      );
    }
    if (GEO_KINDS.has(item.kind)) actions.append(h('button', { type: 'button', onclick: () => this.ctx.navigate(`#map/${item.side}/${item.index}`) }, t('board.on_map')));
    if (!item.early) actions.append(h('button', { type: 'button', class: 'proof', onclick: () => this.ctx.proof(item) }, t('board.proof')));
    replace(
      this.detail,
      h('h2', null, `${title(item)} — ${refText(store, item)}`),
      h(
        'p',
        null,
        h('span', { class: `prec prec-${item.precedence}` }, item.precedence),
        ' ',
        h('span', { class: `chip state-${displayState(item)}` }, t(`state.${displayState(item)}`)),
        ackd && [' ', responseChip(ackd.response)],
        item.kind === 'ack' && item.notice.response && [' ', responseChip(item.notice.response)],
      ),
      this.cardsView.undelivered(item),
      h('dl', { class: 'fields' }, rows.map(([label, value]) => [h('dt', null, label), h('dd', null, value)])),
      h('h3', null, t('state.timeline')),
      h('ul', { class: 'timeline' }, timeline.map((line) => h('li', null, line))),
      this.threadOf(item),
      this.conflictsOf(item),
      actions,
      h('details', { class: 'raw' }, h('summary', null, t('board.raw')), h('pre', null, JSON.stringify(item.notice, null, 2))),
    );
  }

  /** The details pane's list of the thread the notice belongs to, each entry opening its own. */
  threadOf(item) {
    const { store } = this.ctx;
    const root = this.view.rootOf.get(item.key);
    const thread = root && this.view.threads.get(root);
    if (!thread || thread.members.length < 2) return null;
    return h(
      'section',
      { class: 'detail-thread' },
      h('h3', null, t('thread.label')),
      h(
        'ol',
        null,
        thread.members.map((m) =>
          h(
            'li',
            { 'data-entry': m.key, class: m === item ? 'current' : null },
            h('button', { type: 'button', class: 'link', 'aria-current': m === item ? 'true' : null, onclick: () => this.select(m.key) }, `${hhmmz(m.notice.time)} · ${title(m)}`),
            m.kind === 'ack' ? [' ', responseChip(m.notice.response)] : null,
            ` · ${refText(store, m)}`,
          ),
        ),
      ),
    );
  }

  /** Deadlines count down: update the text of every deadline shown, in place (keeps focus). */
  tick() {
    const now = Date.now();
    for (const span of this.root.querySelectorAll('[data-deadline]')) {
      if (!span.matches('span')) continue;
      const left = Number(span.dataset.deadline) - now;
      span.className = left < 0 ? 'late' : 'due';
      span.textContent = left < 0 ? t('board.overdue_by', { duration: duration(-left) }) : t('board.due_in', { duration: duration(left) });
    }
    this.queue.render();
  }
}

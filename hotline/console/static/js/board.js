// The board: both sides' notices live, newest first, unacknowledged FLASH pinned on top, each with
// its state and a badge when it conflicts with a notice of the other side; filters; one-click
// acknowledgement of the other side's notices; a details pane (with the notice's conflicts).

import { ApiError } from './api.js';
import { ackNotice } from './actions.js';
import { otherRef } from './conflicts/store.js';
import { badge, certaintyChip, noticeName, overlapLine, stateChip, typeText } from './conflicts/text.js';
import { announce, h, replace } from './dom.js';
import { t, tEnum } from './i18n.js';
import { details, fill, refText, responseChip, summary, title } from './render.js';
import { awaitingAck, displayState } from './store.js';
import { dtg, duration, hhmmz } from './time.js';

const KINDS = ['planned_operation', 'aircraft_in_distress', 'downed_pilot', 'liaison', 'ack', 'cancel'];
const STATES = ['appended', 'delivered', 'acknowledged', 'overdue', 'cancelled', 'superseded'];
const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'];
const RESPONSES = ['ROGER', 'WILCO', 'UNABLE', 'NEGATIVE'];
const GEO_KINDS = new Set(['planned_operation', 'aircraft_in_distress', 'downed_pilot']);

export class Board {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.filters = { kind: '', side: '', state: '', precedence: '' };
    this.selected = null;
    this.unable = null; // key of the card whose UNABLE reason form is open
    this.cards = new Map();
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
    this.filterBar = h(
      'form',
      { class: 'filters', 'aria-label': t('board.filters'), 'data-i18n-label': 'board.filters', onsubmit: (e) => e.preventDefault() },
      select('kind', KINDS, (v) => tEnum('Kind', v)),
      select('side', sides, (v) => `${v} · ${v === session.side ? t('board.ours') : t('board.theirs')}`),
      select('state', STATES, (v) => t(`state.${v}`)),
      select('precedence', PRECEDENCES, (v) => tEnum('Precedence', v)),
    );
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
    this.cards.clear();
    this.build();
    for (const [name, value] of Object.entries(filters)) this.filterBar.querySelector(`[data-filter="${name}"]`).value = value;
    this.update();
  }

  setFilter(name, value) {
    this.filters[name] = value;
    this.update();
  }

  matches(item) {
    const f = this.filters;
    return (!f.kind || item.kind === f.kind) && (!f.side || item.side === f.side) && (!f.precedence || item.precedence === f.precedence) && (!f.state || displayState(item) === f.state);
  }

  isPinned(item) {
    return item.precedence === 'FLASH' && item.kind !== 'ack' && awaitingAck(item);
  }

  update(changed) {
    const { store } = this.ctx;
    if (changed) for (const key of changed) this.cards.delete(key);
    const all = store.list();
    const shown = all.filter((item) => this.matches(item));
    const pinned = shown.filter((item) => this.isPinned(item));
    const rest = shown.filter((item) => !this.isPinned(item));
    this.place(this.pinnedList, pinned);
    this.place(this.list, rest);
    this.pinned.hidden = pinned.length === 0;
    this.empty.hidden = shown.length > 0;
    this.count.textContent = t('board.count', { shown: shown.length, total: all.length });
    if (this.selected && (!changed || changed.has(this.selected))) this.renderDetail();
  }

  /** Put the cards of `items` into `list` in order, reusing unchanged cards (keeps focus). */
  place(list, items) {
    const wanted = items.map((item) => this.card(item));
    const keep = new Set(wanted);
    for (const child of [...list.children]) if (!keep.has(child)) child.remove();
    wanted.forEach((card, i) => {
      if (list.children[i] !== card) list.insertBefore(card, list.children[i] || null);
    });
  }

  card(item) {
    const cached = this.cards.get(item.key);
    if (cached) return cached;
    const el = this.renderCard(item);
    this.cards.set(item.key, el);
    return el;
  }

  renderCard(item) {
    const { session } = this.ctx;
    const own = item.side === session.side;
    const state = displayState(item);
    const n = item.notice;
    const headingId = `card-${item.side}-${item.index}`;
    return h(
      'li',
      {
        class: ['notice', `prec-${item.precedence}`, own ? 'own' : 'theirs', `state-${state}`, this.selected === item.key && 'selected'],
        'data-key': item.key,
        'data-kind': item.kind,
        'data-state': state,
        'data-side': item.side,
        'data-index': item.index,
      },
      h(
        'article',
        { 'aria-labelledby': headingId },
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
        h('h3', { id: headingId, class: 'kind' }, h('button', { type: 'button', class: 'link', onclick: () => this.select(item.key) }, title(item))),
        h('p', { class: 'summary' }, summary(item, this.ctx.store)),
        this.stateLine(item),
        this.actions(item),
      ),
    );
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

  /** The link went up or down: redraw the own notices the other side may not hold. */
  linkChanged() {
    const { store, session } = this.ctx;
    const changed = new Set();
    for (const item of store.items.values()) if (item.side === session.side && !item.state?.delivered) changed.add(item.key);
    if (changed.size) this.update(changed);
  }

  actions(item) {
    const { session } = this.ctx;
    const own = item.side === session.side;
    const box = h('div', { class: 'actions' });
    // on the card: only where an answer is owed; the details pane offers it for any notice
    if (!own && this.ctx.canPost && awaitingAck(item)) {
      box.append(this.ackButtons(item));
    }
    return box;
  }

  ackButtons(item) {
    const group = h('div', { class: 'ack-buttons', role: 'group', 'aria-label': `${t('ack.label')}: ${title(item)}` });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    for (const response of RESPONSES) {
      group.append(
        h(
          'button',
          {
            type: 'button',
            class: `ack ack-${response}`,
            'data-response': response,
            title: t('ack.button', { response, meaning: tEnum('ResponseMeaning', response) }),
            onclick: () => (response === 'UNABLE' ? this.openUnable(item, group) : this.ack(item, response, {}, group, error)),
          },
          response === 'UNABLE' ? `${response}…` : response,
        ),
      );
    }
    return h('div', null, group, error);
  }

  openUnable(item, group) {
    if (group.parentElement.querySelector('.unable-form')) return;
    const reason = h('textarea', { name: 'reason', rows: 2, maxlength: 500, required: true });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const id = `unable-${item.side}-${item.index}`;
    const form = h(
      'form',
      {
        class: 'unable-form',
        onsubmit: (e) => {
          e.preventDefault();
          this.ack(item, 'UNABLE', { reason: reason.value.trim() || undefined }, group, error);
        },
      },
      h('label', { for: id }, t('ack.reason')),
      Object.assign(reason, { id }),
      error,
      h('div', { class: 'row' }, h('button', { type: 'submit', class: 'ack ack-UNABLE' }, t('ack.send_unable')), h('button', { type: 'button', onclick: () => form.remove() }, t('app.cancel'))),
    );
    group.parentElement.append(form);
    reason.focus();
  }

  async ack(item, response, extra, group, error) {
    const buttons = group.parentElement.querySelectorAll('button');
    buttons.forEach((b) => { b.disabled = true; });
    error.hidden = true;
    try {
      await ackNotice(this.ctx.api, item, response, extra);
      announce(t('ack.sent', { response, ref: refText(this.ctx.store, item) }));
    } catch (exc) {
      const problems = exc instanceof ApiError ? exc.problems : [];
      error.textContent = problems.length ? problems.map((p) => p.reason).join('; ') : exc instanceof ApiError ? t('error.generic', { code: exc.code, detail: typeof exc.detail === 'string' ? exc.detail : JSON.stringify(exc.detail) }) : String(exc);
      error.hidden = false;
      buttons.forEach((b) => { b.disabled = false; });
    }
  }

  select(key) {
    this.selected = key;
    for (const card of this.root.querySelectorAll('li.notice')) card.classList.toggle('selected', card.dataset.key === key);
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
    const rows = details(item, store);
    const timeline = [
      st.appended_at && t('state.sent_at', { time: dtg(st.appended_at) }),
      st.delivered && t('state.delivered_at', { time: dtg(st.delivered.at), by: st.delivered.by, size: st.delivered.size }),
      st.acknowledged && h('span', null, fill('state.acknowledged_at', { response: responseChip(st.acknowledged.response), by: st.acknowledged.by, time: dtg(st.acknowledged.at) }), ` — ${tEnum('ResponseMeaning', st.acknowledged.response)}`),
      st.acknowledged?.reason && h('span', null, `${t('field.reason')}: `, h('q', { class: 'as-written' }, st.acknowledged.reason)),
      st.acknowledged?.remark && h('span', null, `${t('field.remark')}: `, h('q', { class: 'as-written' }, st.acknowledged.remark)),
      awaitingAck(item) && st.deadline && t('board.deadline', { time: dtg(st.deadline) }),
      st.overdue && !st.acknowledged && t('state.overdue'),
      st.cancelled_by && t('state.cancelled_by', { ref: refText(store, st.cancelled_by) }),
      st.superseded_by && t('state.superseded_by', { ref: refText(store, st.superseded_by) }),
    ].filter(Boolean);
    const actions = h('div', { class: 'actions' });
    if (!own && item.kind !== 'ack' && this.ctx.canPost) {
      if (st.acknowledged) actions.append(h('p', { class: 'hint' }, t('ack.again')));
      actions.append(this.ackButtons(item));
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
        st.acknowledged && [' ', responseChip(st.acknowledged.response)],
        item.kind === 'ack' && item.notice.response && [' ', responseChip(item.notice.response)],
      ),
      this.undelivered(item),
      h('dl', { class: 'fields' }, rows.map(([label, value]) => [h('dt', null, label), h('dd', null, value)])),
      h('h3', null, t('state.timeline')),
      h('ul', { class: 'timeline' }, timeline.map((line) => h('li', null, line))),
      this.conflictsOf(item),
      actions,
      h('details', { class: 'raw' }, h('summary', null, t('board.raw')), h('pre', null, JSON.stringify(item.notice, null, 2))),
    );
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

  /** Deadlines count down: update the text of every deadline shown, in place (keeps focus). */
  tick() {
    const now = Date.now();
    for (const span of this.root.querySelectorAll('[data-deadline]')) {
      const left = Number(span.dataset.deadline) - now;
      span.className = left < 0 ? 'late' : 'due';
      span.textContent = left < 0 ? t('board.overdue_by', { duration: duration(-left) }) : t('board.due_in', { duration: duration(left) });
    }
  }
}

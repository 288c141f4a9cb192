// The conflicts list: open and handled conflicts, each with its type and certainty, the two
// notices (a click opens them on the board), what they share, and Mark handled (a remark, sent
// as a liaison naming the conflict; both consoles then show it handled).

import { ApiError } from '../api.js';
import { announce, h, replace, uid } from '../dom.js';
import { lang, t } from '../i18n.js';
import { freeText, refText } from '../render.js';
import { noticeKeys } from './store.js';
import { certaintyChip, detectedText, noticeName, overlapRows, shortId, stateChip, typeText } from './text.js';

export class ConflictsView {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.selected = null;
    this.visible = false;
    this.open = new Set(); // ids whose Mark handled form is open
    this.drafts = new Map(); // id -> the remark typed so far
    this.errors = new Map(); // id -> the last error of Mark handled
    this.sending = new Set();
    ctx.conflicts.subscribe(() => this.visible && this.render());
    ctx.store.subscribe(() => this.visible && this.render());
  }

  show(route) {
    this.visible = true;
    this.selected = route[0] || null;
    this.render();
    const entry = this.selected && this.root.querySelector(`li.conflict[data-conflict-id="${this.selected}"]`);
    if (entry) {
      entry.scrollIntoView({ block: 'nearest' });
      entry.focus({ preventScroll: true });
    }
  }

  hide() {
    this.visible = false;
  }

  relabel() {
    if (this.visible) this.render();
  }

  render() {
    const { conflicts } = this.ctx;
    const focused = document.activeElement;
    const keepFocus = focused && this.root.contains(focused) && focused.dataset.focusKey;
    const all = conflicts.list();
    const open = all.filter((c) => c.state === 'open');
    const handled = all.filter((c) => c.state === 'handled');
    const section = (key, items, emptyKey) =>
      h(
        'section',
        { class: 'conflict-group', 'aria-labelledby': `conflicts-${key}`, 'data-group': key },
        h('h3', { id: `conflicts-${key}` }, `${t(`conflict.${key}_heading`)} (${items.length})`),
        items.length ? h('ol', { class: 'conflicts' }, items.map((c) => this.entry(c))) : h('p', { class: 'hint empty' }, t(emptyKey)),
      );
    replace(
      this.root,
      h(
        'div',
        { class: 'conflicts-view' },
        h('h2', null, t('conflict.title')),
        h('p', { class: 'hint' }, t('conflict.intro')),
        section('open', open, 'conflict.none_open'),
        section('handled', handled, 'conflict.none_handled'),
      ),
    );
    if (keepFocus) {
      const again = this.root.querySelector(`[data-focus-key="${keepFocus}"]`);
      if (again) {
        again.focus({ preventScroll: true });
        if (again.tagName === 'TEXTAREA') again.setSelectionRange(again.value.length, again.value.length);
      }
    }
  }

  entry(c) {
    const { store } = this.ctx;
    const headingId = `conflict-${c.id}`;
    const notices = c.between.map((ref) =>
      h('li', null, h('button', { type: 'button', class: 'link', 'data-notice': `${ref.side}/${ref.index}`, onclick: () => this.ctx.navigate(`#board/${ref.side}/${ref.index}`) }, noticeName(store, ref))),
    );
    const rows = [[t('conflict.between'), h('ul', { class: 'conflict-notices' }, notices)], ...overlapRows(c), [t('conflict.detected'), detectedText(c)]];
    if (c.handled_by) rows.push([t('conflict.handled_by'), this.handledBy(c)]);
    const formShown = c.state === 'open' && this.open.has(c.id);
    const actions = h('div', { class: 'actions' });
    if (c.state === 'open' && this.ctx.canPost && !formShown) {
      actions.append(h('button', { type: 'button', class: 'mark-handled', 'data-focus-key': `mark/${c.id}`, onclick: () => this.openForm(c.id) }, t('conflict.mark_handled')));
    }
    actions.append(h('button', { type: 'button', 'data-focus-key': `map/${c.id}`, onclick: () => this.ctx.navigate(`#map/conflict/${c.id}`) }, t('conflict.show_map')));
    return h(
      'li',
      {
        class: ['conflict', `type-${c.type}`, `certainty-${c.certainty}`, `state-${c.state}`, this.selected === c.id && 'selected'],
        'data-conflict-id': c.id,
        'data-state': c.state,
        'data-type': c.type,
        'data-certainty': c.certainty,
        'data-notices': noticeKeys(c).join(' '),
        'aria-current': this.selected === c.id ? 'true' : undefined,
        tabindex: '-1',
      },
      h(
        'article',
        { 'aria-labelledby': headingId },
        h('header', null, h('h4', { id: headingId, class: 'conflict-type' }, typeText(c)), certaintyChip(c), stateChip(c), h('span', { class: 'hint conflict-id' }, t('conflict.id', { id: shortId(c) }))),
        h('dl', { class: 'fields' }, rows.map(([label, value]) => [h('dt', null, label), h('dd', null, value)])),
        actions,
        formShown ? this.form(c) : null,
        !formShown && this.errors.has(c.id) ? h('p', { class: 'error', role: 'alert' }, this.errors.get(c.id)) : null,
      ),
    );
  }

  handledBy(c) {
    const { store } = this.ctx;
    const by = c.handled_by;
    const liaison = store.get(by.side, by.index);
    return h(
      'span',
      null,
      h('button', { type: 'button', class: 'link', onclick: () => this.ctx.navigate(`#board/${by.side}/${by.index}`) }, refText(store, by)),
      liaison?.notice?.text ? [' — ', freeText(liaison.notice.text, liaison.notice.language)] : null,
    );
  }

  openForm(id) {
    this.open.add(id);
    this.render();
    this.root.querySelector(`[data-focus-key="remark/${id}"]`)?.focus();
  }

  closeForm(id) {
    this.open.delete(id);
    this.drafts.delete(id);
    this.errors.delete(id);
    this.render();
    this.root.querySelector(`[data-focus-key="mark/${id}"]`)?.focus();
  }

  form(c) {
    const id = uid('remark');
    const remark = h('textarea', { id, name: 'remark', rows: 3, maxlength: 4000, required: true, 'aria-required': 'true', 'data-focus-key': `remark/${c.id}`, oninput: () => this.drafts.set(c.id, remark.value) });
    remark.value = this.drafts.get(c.id) || '';
    const error = h('p', { class: 'error', role: 'alert', hidden: !this.errors.has(c.id) }, this.errors.get(c.id) || '');
    const sending = this.sending.has(c.id);
    return h(
      'form',
      { class: 'handle-form', 'data-conflict-form': c.id, novalidate: true, onsubmit: (e) => { e.preventDefault(); this.send(c.id, remark.value.trim()); } },
      h('label', { for: id }, t('conflict.remark')),
      remark,
      error,
      h(
        'div',
        { class: 'row' },
        h('button', { type: 'submit', class: 'primary', disabled: sending }, t('conflict.send_handled')),
        h('button', { type: 'button', disabled: sending, onclick: () => this.closeForm(c.id) }, t('app.cancel')),
      ),
    );
  }

  async send(id, remark) {
    if (!remark) {
      this.errors.set(id, t('conflict.remark_required'));
      this.render();
      this.root.querySelector(`[data-focus-key="remark/${id}"]`)?.focus();
      return;
    }
    this.errors.delete(id);
    this.sending.add(id);
    this.render();
    try {
      const result = await this.ctx.api.post(`/v1/conflicts/${encodeURIComponent(id)}/handled`, { remark, language: lang() });
      this.sending.delete(id);
      this.open.delete(id);
      this.drafts.delete(id);
      this.ctx.conflicts.markHandled(id, { side: result.side, index: result.index });
      announce(t('conflict.handled_sent', { ref: refText(this.ctx.store, result) }));
      this.ctx.toast(t('conflict.handled_sent', { ref: refText(this.ctx.store, result) }));
    } catch (exc) {
      this.sending.delete(id);
      let text;
      if (exc instanceof ApiError && exc.code === 'already_handled') text = t('conflict.already_handled');
      else if (exc instanceof ApiError && exc.code === 'unknown_conflict') text = t('conflict.gone');
      else if (exc instanceof ApiError && exc.status === 403) text = t('error.forbidden');
      else if (exc instanceof ApiError && exc.problems.length) text = exc.problems.map((p) => p.reason).join('; ');
      else text = t('error.generic', { code: exc.code || 'error', detail: exc instanceof ApiError ? (typeof exc.detail === 'string' ? exc.detail : JSON.stringify(exc.detail)) : String(exc) });
      this.errors.set(id, text);
      this.render();
      if (exc instanceof ApiError && ['already_handled', 'unknown_conflict'].includes(exc.code)) this.ctx.conflicts.load().catch(() => {});
    }
  }
}

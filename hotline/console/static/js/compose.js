// Compose: pick what to send, fill the form, send; the node's validation errors appear at the
// fields they name. Updates reopen a notice of the own side in its form; cancels pick a reason.
// A planned operation (or a downed pilot asking for a SAR corridor) is checked for conflicts
// first: the operator sees what it would conflict with, and sends it anyway or goes back.

import { actionKey, ApiError } from './api.js';
import { cancelNotice, postNotice } from './actions.js';
import { otherRef } from './conflicts/store.js';
import { noticeName, overlapLine } from './conflicts/text.js';
import { announce, h, replace, uid } from './dom.js';
import { checkNotice } from './forms/checks.js';
import { confirmFlash, needsConfirmation } from './forms/confirm.js';
import { knownCode, problemText } from './forms/errors.js';
import { Group, SelectField, TextField } from './forms/fields.js';
import { ENUMS, envelope, FORMS, formOfKind } from './forms/kinds.js';
import { attachSuggestion } from './forms/precedence.js';
import { DrawPad } from './map/draw.js';
import { lang, t, tEnum } from './i18n.js';
import { refText, summary, title } from './render.js';
import { keyOf } from './store.js';
import { dtg } from './time.js';

const CHOICES = ['quick_distress', 'aircraft_in_distress', 'downed_pilot', 'planned_operation', 'liaison', 'update', 'cancel'];

function changeable(item, session) {
  const st = item.state || {};
  return item.side === session.side && !['ack', 'cancel'].includes(item.kind) && !st.cancelled_by && !st.superseded_by;
}

/** Whether a notice is checked for conflicts before it is sent. */
function checked(notice) {
  return notice.kind === 'planned_operation' || (notice.kind === 'downed_pilot' && Boolean(notice.requested_measures?.sar_corridor));
}

function label(item, store) {
  return `${refText(store, item)} · ${dtg(item.notice.time)} · ${title(item)} — ${summary(item, store)}`.slice(0, 160);
}

export class Compose {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.choice = 'quick_distress';
    this.target = null; // key of the notice updated or cancelled
    this.key = actionKey();
    this.positionFormat = 'DD';
    this.dirty = false; // the operator has typed in the form shown
  }

  /** Show a form: route is [choice] or ['update'|'cancel', side, index]. The form shown already,
   * once the operator has typed in it, is kept as it is: the console routes again when the
   * notices have loaded after sign-in, and that must not throw away what was typed. */
  show(route) {
    const [choice = this.choice, side, index] = route;
    const next = CHOICES.includes(choice) ? choice : 'quick_distress';
    const target = side !== undefined && index !== undefined ? keyOf(side, Number(index)) : null;
    if (this.dirty && next === this.choice && target === this.target && this.panel?.isConnected) return;
    this.choice = next;
    this.target = target;
    this.render();
  }

  relabel() {
    this.render();
  }

  render() {
    const nav = h(
      'nav',
      { class: 'choices', 'aria-label': t('compose.choose') },
      h('h2', { class: 'choose' }, t('compose.choose')),
      h(
        'ul',
        null,
        CHOICES.map((c) =>
          h(
            'li',
            null,
            h(
              'a',
              { href: `#compose/${c}`, class: ['choice', c === 'quick_distress' && 'urgent'], 'aria-current': c === this.choice ? 'page' : undefined, 'data-choice': c },
              t(`compose.${c}`),
            ),
          ),
        ),
      ),
    );
    this.dirty = false; // nothing typed in the form about to be shown
    this.panel = h('section', { class: 'compose-form', 'aria-labelledby': 'compose-heading' });
    replace(this.root, h('div', { class: 'compose' }, nav, this.panel));
    if (this.choice === 'cancel') this.renderCancel();
    else if (this.choice === 'update') this.renderUpdate();
    else this.renderForm(this.choice);
  }

  ownChoices(heading, onpick) {
    const { store, session } = this.ctx;
    const items = store.list().filter((item) => changeable(item, session));
    const id = uid('pick');
    if (!items.length) return h('p', { class: 'hint' }, t('compose.pick_none'));
    const select = h(
      'select',
      { id, onchange: () => onpick(select.value) },
      h('option', { value: '' }, t('compose.pick')),
      items.map((item) => h('option', { value: item.key, selected: item.key === this.target }, label(item, store))),
    );
    return h('div', { class: 'field' }, h('label', { for: id }, t(heading)), select);
  }

  renderUpdate() {
    const { store } = this.ctx;
    const item = this.target && store.items.get(this.target);
    if (!item) {
      replace(this.panel, h('h2', { id: 'compose-heading' }, t('compose.update')), this.ownChoices('compose.pick_own', (key) => this.ctx.navigate(`#compose/update/${key}`)));
      return;
    }
    this.renderForm(formOfKind(item.kind), item);
  }

  /** The form spec with the own distress notices offered for distress_ref. */
  resolveSpec(spec) {
    const { store, session } = this.ctx;
    const own = store.list().filter((item) => item.side === session.side && item.kind === 'aircraft_in_distress');
    const fill = (fields) =>
      fields.map((f) => {
        if (f.refs === 'own_distress') {
          return { ...f, values: own.map((i) => i.key), labels: Object.fromEntries(own.map((i) => [i.key, label(i, store)])) };
        }
        return f.fields ? { ...f, fields: fill(f.fields) } : f.item ? { ...f, item: { ...f.item, fields: fill(f.item.fields) } } : f;
      });
    return { ...spec, fields: fill(spec.fields) };
  }

  renderForm(name, updating = null) {
    const { store } = this.ctx;
    const spec = this.resolveSpec(FORMS[name]);
    const fctx = { problems: [], session: this.ctx.session, lang, positionFormat: this.positionFormat };
    const fields = name === 'quick_distress' ? spec.fields : [envelope(spec.kind), ...spec.fields];
    const form = new Group({ fields }, '', fctx);
    this.form = { form, spec, fctx, updating };
    if (updating) form.set(this.toForm(updating.notice));
    const status = h('div', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
    const check = h('div', { class: 'conflict-check' });
    const send = h('button', { type: 'submit', class: ['primary', spec.kind === 'aircraft_in_distress' && 'urgent'] }, t('compose.send'));
    this.form.check = check;
    const el = h(
      'form',
      {
        class: ['notice-form', `form-${name}`],
        novalidate: true,
        'data-form': name,
        oninput: () => {
          this.dirty = true;
          if (check.firstChild) this.back(send, false); // the warning was about what the form said before
        },
        onsubmit: (e) => { e.preventDefault(); this.submit(status, send); },
      },
      h('h2', { id: 'compose-heading' }, updating ? `${t('compose.update')}: ${title(updating)}` : t(spec.title)),
      spec.hint ? h('p', { class: 'hint' }, t(spec.hint)) : null,
      updating ? h('p', { class: 'notice-banner' }, t('compose.updating', { ref: refText(store, updating) })) : null,
      form.el,
      spec.note ? h('p', { class: 'hint note' }, t(spec.note)) : null,
      status,
      check,
      h('div', { class: 'row' }, send),
    );
    replace(this.panel, el);
    if (spec.kind === 'planned_operation' && !updating) attachSuggestion(el, this.ctx.session);
    this.form.pad = this.drawPad(form, el);
  }

  /** The drawing map under a form with areas: draws into the area fields, previews them. */
  drawPad(form, el) {
    const areas = [...el.querySelectorAll('.area')];
    if (!areas.length) return null;
    const pad = new DrawPad(this.ctx, form);
    (areas[0].closest('fieldset.list') || areas[0].closest('fieldset.group'))?.after(pad.el);
    return pad;
  }

  /** A stored notice → the values its form shows (references as keys). */
  toForm(notice) {
    const copy = structuredClone(notice);
    if (copy.distress_ref) {
      const target = this.ctx.store.byRef(copy.distress_ref);
      copy.distress_ref = target ? target.key : undefined;
    }
    return copy;
  }

  async submit(status, send) {
    const { form, spec, fctx, updating } = this.form;
    const { store } = this.ctx;
    form.clear();
    fctx.problems = [];
    const values = {};
    form.read(values);
    this.positionFormat = fctx.positionFormat;
    const notice = spec.toNotice ? spec.toNotice(values, fctx) : { kind: spec.kind, ...values };
    if (typeof notice.distress_ref === 'string') {
      const target = store.items.get(notice.distress_ref);
      notice.distress_ref = target ? { origin: target.origin, index: target.index, leaf_hash: target.leaf_hash } : undefined;
      if (!notice.distress_ref) delete notice.distress_ref;
    }
    if (updating) notice.supersedes = { origin: updating.origin, index: updating.index, leaf_hash: updating.leaf_hash };
    const mapPath = (path) => (spec.mapPath ? spec.mapPath(path) : path);
    if (fctx.problems.length) {
      // what could be read is checked too: every problem shows at once (what is missing is
      // what could not be read, marked already)
      this.showProblems(checkNotice(notice).filter((p) => p.code !== 'missing'), mapPath);
      this.showStatus(status, t('compose.client_errors'), true);
      fctx.problems[0].focus();
      return;
    }
    const problems = checkNotice(notice);
    if (problems.length) {
      this.showProblems(problems, mapPath);
      this.showStatus(status, t('forms.refused_before'), true);
      this.focusFirst();
      return;
    }
    send.disabled = true;
    if (checked(notice)) {
      this.showStatus(status, t('conflict.checking'), false);
      let found = [];
      let failure = null;
      try {
        found = (await this.ctx.api.post('/v1/conflicts/check', notice)).conflicts;
      } catch (exc) {
        if (exc instanceof ApiError && (exc.problems.length || exc.status === 403)) {
          send.disabled = false;
          this.showApiError(exc, status, mapPath);
          return;
        }
        failure = exc;
      }
      if (failure || found.length) {
        replace(status);
        this.warn(notice, found, failure, status, send);
        return;
      }
    }
    await this.post(notice, status, send);
  }

  /** What the check found (or that it failed), with Send anyway and Back to the form. */
  warn(notice, found, failure, status, send) {
    const { store } = this.ctx;
    const headingId = uid('check');
    const back = h('button', { type: 'button', class: 'primary', 'data-check': 'back', onclick: () => this.back(send, true) }, t('conflict.back'));
    const anyway = h(
      'button',
      {
        type: 'button',
        class: 'urgent',
        'data-check': 'send',
        onclick: () => {
          replace(this.form.check);
          this.post(notice, status, send);
        },
      },
      t('conflict.send_anyway'),
    );
    const heading = failure ? 'conflict.check_failed_heading' : notice.kind === 'planned_operation' ? 'conflict.check_operation' : 'conflict.check_notice';
    const detail = failure instanceof ApiError ? `${failure.code}: ${typeof failure.detail === 'string' ? failure.detail : JSON.stringify(failure.detail)}` : String(failure);
    replace(
      this.form.check,
      h(
        'section',
        { class: 'conflict-warning', role: 'alertdialog', 'aria-labelledby': headingId, 'data-conflicts': failure ? 'unchecked' : String(found.length) },
        h('h3', { id: headingId }, `⚠ ${t(heading)}`),
        failure
          ? h('p', null, t('conflict.check_failed', { error: detail }))
          : h(
              'ul',
              null,
              found.map((c) => h('li', { 'data-conflict-id': c.id }, h('span', { class: 'other' }, noticeName(store, otherRef(c))), ' — ', overlapLine(c))),
            ),
        h('p', { class: 'hint' }, t('conflict.check_hint')),
        h('div', { class: 'row' }, back, anyway),
      ),
    );
    back.focus();
  }

  /** Close the warning and give the form back (nothing was sent). */
  back(send, focus) {
    replace(this.form.check);
    send.disabled = false;
    if (focus) send.focus();
  }

  async post(notice, status, send) {
    const { spec } = this.form;
    const { store } = this.ctx;
    send.disabled = true;
    if (needsConfirmation(notice) && !(await confirmFlash(this.ctx.session.peer?.side))) {
      send.disabled = false;
      this.showStatus(status, t('forms.not_sent'), true);
      send.focus();
      return;
    }
    this.showStatus(status, t('compose.sending'), false);
    try {
      const result = await postNotice(this.ctx.api, notice, this.key);
      this.key = actionKey();
      this.dirty = false; // sent: composing again starts from an empty form
      const key = `${result.side}/${result.index}`;
      if (!store.items.has(key)) store.put({ ...result, kind: result.notice.kind, precedence: result.notice.precedence, state: store.localState(result.notice) });
      store.refresh(key);
      const ref = refText(store, { side: result.side, index: result.index });
      announce(t('compose.sent', { ref }));
      this.ctx.toast(t('compose.sent', { ref }));
      this.ctx.navigate(`#board/${result.side}/${result.index}`);
    } catch (exc) {
      send.disabled = false;
      this.showApiError(exc, status, (path) => (spec.mapPath ? spec.mapPath(path) : path));
    }
  }

  showApiError(exc, status, mapPath = (p) => p) {
    const { form } = this.form;
    if (exc instanceof ApiError && exc.problems.length) {
      this.showProblems(exc.problems, mapPath, form);
      this.showStatus(status, t('compose.fix_errors'), true);
      this.focusFirst();
      return;
    }
    const detail = exc instanceof ApiError ? (typeof exc.detail === 'string' ? exc.detail : JSON.stringify(exc.detail)) : String(exc);
    let text = t('error.generic', { code: exc.code || 'error', detail });
    if (exc instanceof ApiError && knownCode(exc.code)) text = problemText({ code: exc.code, reason: detail });
    else if (exc instanceof ApiError && exc.status === 403) text = t('error.forbidden');
    this.showStatus(status, text, true);
  }

  /** Problems {path, code, params, reason} at their fields, in the operator's language. */
  showProblems(problems, mapPath, form = this.form.form) {
    for (const p of problems) {
      const path = mapPath(p.path.replace(/^body\.?/, ''));
      form.route(path ? path.split('.') : [], problemText(p));
    }
  }

  focusFirst() {
    const first = this.panel.querySelector('[aria-invalid="true"]') || this.panel.querySelector('.field-error:not([hidden])');
    if (first) first.focus?.();
  }

  showStatus(status, text, isError) {
    replace(status, h('p', { class: isError ? 'error' : 'info' }, text));
  }

  renderCancel() {
    const { store } = this.ctx;
    const item = this.target && store.items.get(this.target);
    const picker = this.ownChoices('compose.pick_own', (key) => this.ctx.navigate(key ? `#compose/cancel/${key}` : '#compose/cancel'));
    if (!item) {
      replace(this.panel, h('h2', { id: 'compose-heading' }, t('compose.cancel')), picker);
      return;
    }
    const fctx = { problems: [], session: this.ctx.session, lang };
    const reason = new SelectField({ type: 'select', key: 'reason', label: 'compose.cancel_reason', enum: 'CancelReason', values: ENUMS.CancelReason, default: item.kind === 'planned_operation' ? 'operation_called_off' : 'emergency_resolved' }, '', fctx);
    const remark = new TextField({ type: 'text', key: 'remark', label: 'field.remark', textarea: true, maxlength: 500, rows: 3 }, '', fctx);
    const form = new Group({ fields: [] }, '', fctx);
    form.children = [reason, remark];
    this.form = { form, spec: {}, fctx, updating: null };
    const status = h('div', { class: 'form-status', role: 'status', 'aria-live': 'polite' });
    const send = h('button', { type: 'submit', class: 'primary' }, t('compose.send_cancel'));
    replace(
      this.panel,
      h(
        'form',
        {
          class: 'notice-form form-cancel',
          novalidate: true,
          'data-form': 'cancel',
          oninput: () => { this.dirty = true; },
          onsubmit: async (e) => {
            e.preventDefault();
            form.clear();
            const values = {};
            reason.read(values);
            remark.read(values);
            send.disabled = true;
            try {
              await cancelNotice(this.ctx.api, item, values.reason, values.remark, this.key);
              this.key = actionKey();
              this.dirty = false;
              this.ctx.toast(t('compose.sent', { ref: `${tEnum('Kind', 'cancel')} ${refText(store, item)}` }));
              this.ctx.navigate(`#board/${item.side}/${item.index}`);
            } catch (exc) {
              send.disabled = false;
              this.showApiError(exc, status);
            }
          },
        },
        h('h2', { id: 'compose-heading' }, `${t('compose.cancel')}: ${title(item)}`),
        picker,
        h('p', { class: 'hint' }, label(item, store)),
        reason.el,
        remark.el,
        status,
        h('div', { class: 'row' }, send),
      ),
    );
  }
}

// Form widgets that follow the protocol's fields. Each widget fills one or more members of its
// parent object (keys()), reads what the operator typed (read: client-side parse problems go to
// ctx.problems, range checks are the node's), takes a value back (set, for updates) and shows the
// node's validation errors at the right input (route: the error path's segments).

import { h, uid } from '../dom.js';
import { angleDM, formatDD, formatDM, formatMgrs, fromMgrs, parseAngle, parsePosition } from '../geo/coords.js';
import { t, tEnum } from '../i18n.js';
import { dtg, parseTime, zulu } from '../time.js';
import { conversionText } from './altitude.js';
import { positionProblems } from './checks.js';
import { problemText } from './errors.js';

const join = (base, key) => (base ? `${base}.${key}` : String(key));

function message(exc) {
  return exc && exc.code ? t(exc.code) : String(exc && exc.message ? exc.message : exc);
}

/** Label, control, hint and error slot wired for assistive technology. */
function fieldBox(path, labelKey, control, { hint, required, labelText } = {}) {
  const id = control.id || uid('in');
  control.id = id;
  const errorId = `${id}-err`;
  const hintId = `${id}-hint`;
  const error = h('p', { class: 'field-error', id: errorId, hidden: true });
  const described = [hint ? hintId : null, errorId].filter(Boolean).join(' ');
  control.setAttribute('aria-describedby', described);
  const box = h(
    'div',
    { class: 'field', 'data-path': path },
    h('label', { for: id }, labelText ?? t(labelKey), required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    control,
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    error,
  );
  if (required) control.setAttribute('aria-required', 'true');
  return { box, error, control };
}

function showError(slot, control, text) {
  slot.textContent = text;
  slot.hidden = false;
  if (control) control.setAttribute('aria-invalid', 'true');
}

function clearError(slot, control) {
  slot.textContent = '';
  slot.hidden = true;
  if (control) control.removeAttribute('aria-invalid');
}

class Field {
  constructor(spec, base, ctx) {
    this.spec = spec;
    this.ctx = ctx;
    this.path = join(base, spec.key);
  }

  keys() {
    return [this.spec.key];
  }

  route(segments, text) {
    showError(this.error, this.control, text);
    return true;
  }

  clear() {
    clearError(this.error, this.control);
  }

  focus() {
    this.control.focus();
  }

  problem(text) {
    showError(this.error, this.control, text);
    this.ctx.problems.push(this);
  }
}

/** Text (line or textarea); `list: 'text'|'number'` splits on commas into an array. */
export class TextField extends Field {
  constructor(spec, base, ctx) {
    super(spec, base, ctx);
    const attrs = { name: this.path, maxlength: spec.maxlength, placeholder: spec.placeholder, autocomplete: 'off', spellcheck: spec.textarea ? 'true' : 'false' };
    const control = spec.textarea ? h('textarea', { ...attrs, rows: spec.rows || 4 }) : h('input', { ...attrs, type: 'text' });
    if (spec.upper) control.addEventListener('input', () => {
      const pos = control.selectionStart;
      control.value = control.value.toUpperCase();
      control.setSelectionRange(pos, pos);
    });
    if (spec.default !== undefined) control.value = typeof spec.default === 'function' ? spec.default(ctx) : spec.default;
    Object.assign(this, fieldBox(this.path, spec.label, control, { hint: spec.hint && t(spec.hint), required: spec.required }));
    this.el = this.box;
  }

  read(out) {
    const raw = this.control.value;
    const value = this.spec.textarea ? raw.replace(/\s+$/, '') : raw.trim();
    if (!value) {
      if (this.spec.required) this.problem(t('code.missing'));
      return;
    }
    if (this.spec.list) {
      const parts = value.split(/\s*[,;]\s*/).filter(Boolean);
      if (this.spec.list === 'number') {
        const nums = parts.map((p) => Number(p.replace(',', '.')));
        if (nums.some((x) => !Number.isFinite(x))) return this.problem(t('error.number'));
        out[this.spec.key] = nums;
      } else out[this.spec.key] = parts;
      return;
    }
    out[this.spec.key] = value;
  }

  set(obj) {
    const v = obj?.[this.spec.key];
    this.control.value = v === undefined ? '' : Array.isArray(v) ? v.join(', ') : String(v);
  }
}

/** Integer or number input; an empty input leaves the member out. */
export class NumberField extends Field {
  constructor(spec, base, ctx) {
    super(spec, base, ctx);
    const control = h('input', { type: 'text', inputmode: spec.integer ? 'numeric' : 'decimal', name: this.path, autocomplete: 'off', class: 'num' });
    if (spec.default !== undefined) control.value = String(spec.default);
    Object.assign(this, fieldBox(this.path, spec.label, control, { hint: spec.hint && t(spec.hint), required: spec.required }));
    this.el = this.box;
  }

  read(out) {
    const raw = this.control.value.trim().replace(',', '.');
    if (!raw) {
      if (this.spec.required) this.problem(t('code.missing'));
      return;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || !/^[-+]?\d*\.?\d+(e[-+]?\d+)?$/i.test(raw)) return this.problem(t('error.number'));
    if (this.spec.integer && !Number.isInteger(value)) return this.problem(t('error.integer'));
    out[this.spec.key] = value;
  }

  set(obj) {
    const v = obj?.[this.spec.key];
    this.control.value = v === undefined ? '' : String(v);
  }
}

/** One value of a protocol enumeration, labelled in the operator's language. */
export class SelectField extends Field {
  constructor(spec, base, ctx) {
    super(spec, base, ctx);
    const values = spec.values;
    const control = h(
      'select',
      { name: this.path },
      spec.optional ? h('option', { value: '' }, t('app.none')) : null,
      values.map((v) => h('option', { value: v }, spec.labels?.[v] ?? (spec.enum ? tEnum(spec.enum, v) : String(v)))),
    );
    const initial = typeof spec.default === 'function' ? spec.default(ctx) : spec.default;
    if (initial !== undefined) control.value = initial;
    if (spec.onchange) control.addEventListener('change', () => spec.onchange(control.value, this));
    Object.assign(this, fieldBox(this.path, spec.label, control, { required: !spec.optional }));
    this.el = this.box;
  }

  read(out) {
    if (this.control.value) out[this.spec.key] = this.control.value;
  }

  set(obj) {
    const v = obj?.[this.spec.key];
    this.control.value = v === undefined ? (this.spec.optional ? '' : this.control.value) : v;
  }
}

/** Several values of an enumeration (unique list), as a group of check boxes. */
export class MultiField extends Field {
  constructor(spec, base, ctx) {
    super(spec, base, ctx);
    const legendId = uid('lg');
    this.error = h('p', { class: 'field-error', hidden: true, id: `${legendId}-err` });
    this.boxes = spec.values.map((v) => {
      const id = uid('cb');
      const input = h('input', { type: 'checkbox', id, value: v, name: this.path, checked: (spec.default || []).includes(v) });
      return { v, input, label: h('label', { class: 'check', for: id }, input, ' ', tEnum(spec.enum, v)) };
    });
    this.control = this.boxes[0].input;
    this.el = h(
      'fieldset',
      { class: 'field multi', 'data-path': this.path, 'aria-describedby': `${legendId}-err` },
      h('legend', { id: legendId }, t(spec.label), spec.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      h('div', { class: 'checks' }, this.boxes.map((b) => b.label)),
      this.error,
    );
  }

  read(out) {
    const values = this.boxes.filter((b) => b.input.checked).map((b) => b.v);
    if (values.length) out[this.spec.key] = values;
  }

  set(obj) {
    const values = obj?.[this.spec.key] || [];
    for (const b of this.boxes) b.input.checked = values.includes(b.v);
  }
}

/** A time in UTC; shows the date-time group of what was typed. */
export class TimeField extends Field {
  constructor(spec, base, ctx) {
    super(spec, base, ctx);
    const control = h('input', { type: 'text', name: this.path, autocomplete: 'off', placeholder: '241530ZNOV26', class: 'time' });
    this.preview = h('span', { class: 'preview', 'aria-live': 'polite' });
    const initial = typeof spec.default === 'function' ? spec.default(ctx) : spec.default;
    if (initial !== undefined) control.value = initial;
    control.addEventListener('input', () => this.showPreview());
    control.addEventListener('blur', () => this.normalise());
    Object.assign(this, fieldBox(this.path, spec.label, control, { hint: t('compose.time_formats'), required: spec.required }));
    const now = h('button', { type: 'button', class: 'small', onclick: () => { control.value = 'now'; this.normalise(); } }, t('field.now'));
    this.box.insertBefore(h('div', { class: 'inline' }, control, now, this.preview), this.box.querySelector('.hint'));
    this.el = this.box;
    this.showPreview();
  }

  parsed() {
    return parseTime(this.control.value);
  }

  showPreview() {
    try {
      const ms = this.parsed();
      this.preview.textContent = `${t('field.dtg', { dtg: dtg(ms) })} · ${zulu(ms)}`;
    } catch {
      this.preview.textContent = '';
    }
  }

  normalise() {
    try {
      const ms = this.parsed();
      if (/^(now|сейчас|[+-])/i.test(this.control.value.trim())) this.control.value = zulu(ms);
    } catch {
      // left as typed: read() reports it
    }
    this.showPreview();
  }

  read(out) {
    if (!this.control.value.trim()) {
      if (this.spec.required) this.problem(t('code.missing'));
      return;
    }
    try {
      out[this.spec.key] = this.parsed();
    } catch (exc) {
      this.problem(message(exc));
    }
  }

  set(obj) {
    const v = obj?.[this.spec.key];
    this.control.value = v === undefined ? '' : zulu(v, new Date(v).getUTCSeconds() !== 0);
    this.showPreview();
  }
}

/** A position (members lat and lon of the parent): decimal degrees, degrees-minutes or MGRS. */
export class PositionField {
  constructor(spec, base, ctx) {
    this.spec = spec;
    this.ctx = ctx;
    this.base = base;
    this.mode = ctx.positionFormat || 'DD';
    const latPath = join(base, 'lat');
    const lonPath = join(base, 'lon');
    this.lat = fieldBox(latPath, 'field.lat', h('input', { type: 'text', name: latPath, autocomplete: 'off', class: 'coord', placeholder: '46.912 / 46 54.72 N' }), { required: true });
    this.lon = fieldBox(lonPath, 'field.lon', h('input', { type: 'text', name: lonPath, autocomplete: 'off', class: 'coord', placeholder: '-30.418 / 030 25.08 W' }), { required: true });
    this.mgrs = fieldBox(join(base, 'mgrs'), 'field.mgrs', h('input', { type: 'text', name: join(base, 'mgrs'), autocomplete: 'off', class: 'coord', placeholder: '25T FM 96615 98621' }), { required: true });
    this.preview = h('p', { class: 'preview', 'aria-live': 'polite' });
    const name = uid('fmt');
    this.modes = ['DD', 'DM', 'MGRS'].map((m) => {
      const id = uid('fmt');
      const input = h('input', { type: 'radio', name, id, value: m, checked: m === this.mode, onchange: () => this.switchMode(m) });
      return h('label', { class: 'check', for: id }, input, ` ${m}`);
    });
    for (const part of [this.lat, this.lon, this.mgrs]) part.control.addEventListener('input', () => this.showPreview());
    this.el = h(
      'fieldset',
      { class: 'field position', 'data-path': base },
      h('legend', null, t(spec.label || 'field.position'), h('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
      h('div', { class: 'formats', role: 'radiogroup', 'aria-label': t('field.format') }, this.modes),
      h('div', { class: 'coords' }, this.lat.box, this.lon.box, this.mgrs.box),
      this.preview,
      h('p', { class: 'hint' }, t('compose.position_formats')),
    );
    this.applyMode();
  }

  keys() {
    return ['lat', 'lon'];
  }

  current() {
    if (this.mode === 'MGRS') return fromMgrs(this.mgrs.control.value);
    return { lat: parseAngle(this.lat.control.value, 'lat'), lon: parseAngle(this.lon.control.value, 'lon') };
  }

  switchMode(mode) {
    let value = null;
    try {
      value = this.current();
    } catch {
      value = null;
    }
    this.mode = mode;
    this.ctx.positionFormat = mode;
    if (value) this.write(value);
    this.applyMode();
  }

  write({ lat, lon }) {
    if (this.mode === 'MGRS') this.mgrs.control.value = formatMgrs(lat, lon);
    else if (this.mode === 'DM') {
      this.lat.control.value = angleDM(lat, 'lat');
      this.lon.control.value = angleDM(lon, 'lon');
    } else {
      this.lat.control.value = String(Number(lat.toFixed(6)));
      this.lon.control.value = String(Number(lon.toFixed(6)));
    }
  }

  applyMode() {
    const mgrs = this.mode === 'MGRS';
    this.lat.box.hidden = mgrs;
    this.lon.box.hidden = mgrs;
    this.mgrs.box.hidden = !mgrs;
    this.showPreview();
  }

  /** The preview of what was typed; a position out of the schema's bounds is said as a
   * problem (and marked so), never echoed as a position. */
  showPreview() {
    this.preview.classList.remove('out-of-range');
    try {
      const { lat, lon } = this.current();
      const problems = positionProblems({ lat, lon });
      if (problems.length) {
        this.preview.classList.add('out-of-range');
        this.preview.textContent = problems.map((p) => `${t(`field.${p.path}`)}: ${problemText(p)}`).join(' ');
        return;
      }
      this.preview.textContent = `${formatDD(lat, lon)} · ${formatDM(lat, lon)} · ${formatMgrs(lat, lon)}`;
    } catch {
      this.preview.textContent = '';
    }
  }

  read(out) {
    if (this.mode === 'MGRS') {
      if (!this.mgrs.control.value.trim()) return;
      try {
        const { lat, lon } = parsePosition(this.mgrs.control.value);
        Object.assign(out, { lat, lon });
      } catch (exc) {
        showError(this.mgrs.error, this.mgrs.control, message(exc));
        this.ctx.problems.push({ focus: () => this.mgrs.control.focus() });
      }
      return;
    }
    for (const [part, kind] of [[this.lat, 'lat'], [this.lon, 'lon']]) {
      if (!part.control.value.trim()) continue;
      try {
        out[kind] = Number(parseAngle(part.control.value, kind).toFixed(6));
      } catch (exc) {
        showError(part.error, part.control, message(exc));
        this.ctx.problems.push({ focus: () => part.control.focus() });
      }
    }
  }

  set(obj) {
    if (obj && typeof obj.lat === 'number' && typeof obj.lon === 'number') this.write(obj);
    this.showPreview();
  }

  route(segments, text) {
    const part = this.mode === 'MGRS' ? this.mgrs : segments[0] === 'lon' ? this.lon : this.lat;
    showError(part.error, part.control, text);
    return true;
  }

  clear() {
    for (const part of [this.lat, this.lon, this.mgrs]) clearError(part.error, part.control);
  }

  focus() {
    (this.mode === 'MGRS' ? this.mgrs : this.lat).control.focus();
  }
}

/** Positions one per line (polygon points, corridor centreline); `close` closes a polygon. */
export class PointsField extends Field {
  constructor(spec, base, ctx) {
    super(spec, base, ctx);
    const control = h('textarea', { name: this.path, rows: spec.rows || 5, autocomplete: 'off', spellcheck: 'false', class: 'points' });
    Object.assign(this, fieldBox(this.path, spec.label, control, { hint: t(spec.hint), required: true }));
    this.el = this.box;
  }

  read(out) {
    const lines = this.control.value.split('\n').map((l) => l.trim()).filter(Boolean);
    if (!lines.length) return;
    const points = [];
    const errors = [];
    lines.forEach((line, i) => {
      try {
        points.push(parsePosition(line));
      } catch (exc) {
        errors.push(t('geo.line', { n: i + 1, error: message(exc) }));
      }
    });
    if (errors.length) return this.problem(errors.join(' '));
    if (this.spec.close && points.length > 2) {
      const [first, last] = [points[0], points[points.length - 1]];
      if (first.lat !== last.lat || first.lon !== last.lon) points.push({ ...first });
    }
    out[this.spec.key] = points;
  }

  set(obj) {
    let points = obj?.[this.spec.key] || [];
    if (this.spec.close && points.length > 3) points = points.slice(0, -1);
    this.control.value = points.map((p) => `${p.lat}, ${p.lon}`).join('\n');
  }

  route(segments, text) {
    const index = Number(segments[1]);
    const prefix = Number.isInteger(index) ? `${t('geo.line', { n: index + 1, error: '' })}` : '';
    showError(this.error, this.control, `${prefix}${text}`);
    return true;
  }
}

/** An object member made of child widgets (`key`), or children merged into the parent. */
export class Group {
  constructor(spec, base, ctx) {
    this.spec = spec;
    this.ctx = ctx;
    this.path = spec.key === undefined || spec.key === null ? base : join(base, spec.key);
    this.children = spec.fields.map((child) => build(child, this.path, ctx));
    this.error = h('p', { class: 'field-error', hidden: true });
    const body = h('div', { class: ['group-body', spec.columns && 'columns'] }, this.children.map((c) => c.el));
    if (spec.optional) {
      const id = uid('opt');
      this.toggle = h('input', { type: 'checkbox', id, checked: Boolean(spec.enabled), onchange: () => { body.hidden = !this.toggle.checked; } });
      body.hidden = !this.toggle.checked;
      this.el = h('fieldset', { class: 'group optional', 'data-path': this.path }, h('legend', null, h('label', { class: 'check', for: id }, this.toggle, ' ', t(spec.label), ' ', h('span', { class: 'opt' }, t('field.optional')))), this.error, body);
    } else if (spec.label) {
      this.el = h('fieldset', { class: 'group', 'data-path': this.path }, h('legend', null, t(spec.label, spec.labelParams)), this.error, body);
    } else {
      this.el = h('div', { class: 'group plain', 'data-path': this.path }, this.error, body);
    }
  }

  keyed() {
    return this.spec.key !== undefined && this.spec.key !== null;
  }

  keys() {
    return this.keyed() ? [this.spec.key] : this.children.flatMap((c) => c.keys());
  }

  enabled() {
    return !this.toggle || this.toggle.checked;
  }

  read(out) {
    if (!this.enabled()) return;
    if (!this.keyed()) {
      for (const c of this.children) c.read(out);
      return;
    }
    const obj = {};
    for (const c of this.children) c.read(obj);
    if (Object.keys(obj).length || !this.spec.omitEmpty) out[this.spec.key] = obj;
  }

  set(obj) {
    const value = this.keyed() ? obj?.[this.spec.key] : obj;
    if (this.toggle) {
      this.toggle.checked = value !== undefined;
      this.toggle.dispatchEvent(new Event('change'));
    }
    for (const c of this.children) c.set(value || {});
  }

  route(segments, text) {
    const rest = this.keyed() ? segments.slice(1) : segments;
    if (rest.length) {
      const child = this.children.find((c) => c.keys().includes(rest[0]));
      if (child && child.route(rest, text)) return true;
    }
    showError(this.error, null, text);
    return true;
  }

  clear() {
    clearError(this.error, null);
    for (const c of this.children) c.clear();
  }

  focus() {
    this.children[0]?.focus();
  }
}

/** A list member: items of one group spec, with add and remove buttons. */
export class ListField {
  constructor(spec, base, ctx) {
    this.spec = spec;
    this.ctx = ctx;
    this.path = join(base, spec.key);
    this.items = [];
    this.itemsBox = h('div', { class: 'list-items' });
    this.error = h('p', { class: 'field-error', hidden: true });
    this.addButton = h('button', { type: 'button', class: 'small', onclick: () => { this.add().focus(); } }, `${t('field.add')}: ${t(spec.itemLabel, { n: '' }).trim()}`);
    this.el = h('fieldset', { class: 'group list', 'data-path': this.path }, h('legend', null, t(spec.label), spec.min ? null : h('span', { class: 'opt' }, ` ${t('field.optional')}`)), this.error, this.itemsBox, this.addButton);
    for (let i = 0; i < (spec.initial ?? spec.min ?? 0); i += 1) this.add();
  }

  keys() {
    return [this.spec.key];
  }

  add() {
    const n = this.items.length;
    const group = new Group({ ...this.spec.item, key: null, label: null }, join(this.path, n), this.ctx);
    const remove = h('button', { type: 'button', class: 'small remove', onclick: () => this.remove(group) }, t('field.remove'));
    const box = h('fieldset', { class: 'group list-item', 'data-path': join(this.path, n) }, h('legend', null, t(this.spec.itemLabel, { n: n + 1 })), group.el, remove);
    group.box = box;
    this.items.push(group);
    this.itemsBox.append(box);
    this.renumber();
    return group;
  }

  remove(group) {
    this.items = this.items.filter((g) => g !== group);
    group.box.remove();
    this.renumber();
  }

  renumber() {
    this.items.forEach((g, i) => {
      g.box.querySelector('legend').textContent = t(this.spec.itemLabel, { n: i + 1 });
      g.box.dataset.path = join(this.path, i);
      g.box.querySelector('.remove').hidden = this.items.length <= (this.spec.min || 0);
    });
    this.addButton.hidden = this.spec.max !== undefined && this.items.length >= this.spec.max;
  }

  read(out) {
    const values = [];
    for (const g of this.items) {
      const obj = {};
      g.read(obj);
      if (Object.keys(obj).length) values.push(obj);
    }
    if (values.length || this.spec.min) out[this.spec.key] = values;
  }

  set(obj) {
    const values = obj?.[this.spec.key] || [];
    while (this.items.length) this.remove(this.items[0]);
    const count = Math.max(values.length, this.spec.min || 0);
    for (let i = 0; i < count; i += 1) this.add().set(values[i] || {});
  }

  route(segments, text) {
    const index = Number(segments[1]);
    const item = Number.isInteger(index) ? this.items[index] : undefined;
    if (item && segments.length > 2) return item.route(segments.slice(2), text);
    if (item) return item.route([], text);
    showError(this.error, null, text);
    return true;
  }

  clear() {
    clearError(this.error, null);
    for (const g of this.items) g.clear();
  }

  focus() {
    (this.items[0] || this.addButton).focus();
  }
}

/** An area: polygon, circle or corridor, chosen by its shape. */
export class AreaField {
  constructor(spec, base, ctx) {
    this.spec = spec;
    this.ctx = ctx;
    this.path = spec.key === null || spec.key === undefined ? base : join(base, spec.key);
    const shapes = {
      polygon: new Group({ fields: [{ type: 'points', key: 'points', label: 'field.points', hint: 'field.points_hint', close: true }] }, this.path, ctx),
      circle: new Group({ fields: [{ type: 'group', key: 'centre', label: 'field.centre', fields: [{ type: 'position' }] }, { type: 'distance', key: 'radius', label: 'field.radius' }] }, this.path, ctx),
      corridor: new Group({ fields: [{ type: 'points', key: 'centreline', label: 'field.centreline', hint: 'field.centreline_hint' }, { type: 'distance', key: 'half_width', label: 'field.half_width' }] }, this.path, ctx),
    };
    this.shapes = shapes;
    this.shape = new SelectField({ type: 'select', key: 'shape', label: 'field.shape', enum: 'Shape', values: Object.keys(shapes), default: spec.shape || 'polygon', onchange: () => this.show() }, this.path, ctx);
    this.el = h('div', { class: 'area', 'data-path': this.path }, this.shape.el, Object.values(shapes).map((g) => g.el));
    this.show();
  }

  keyed() {
    return this.spec.key !== null && this.spec.key !== undefined;
  }

  keys() {
    return this.keyed() ? [this.spec.key] : ['shape', 'points', 'centre', 'radius', 'centreline', 'half_width'];
  }

  show() {
    for (const [name, group] of Object.entries(this.shapes)) group.el.hidden = name !== this.shape.control.value;
  }

  active() {
    return this.shapes[this.shape.control.value];
  }

  read(out) {
    const obj = { shape: this.shape.control.value };
    this.active().read(obj);
    if (this.keyed()) out[this.spec.key] = obj;
    else Object.assign(out, obj);
  }

  set(obj) {
    const value = this.keyed() ? obj?.[this.spec.key] : obj;
    if (!value || !value.shape) return;
    this.shape.control.value = value.shape;
    this.show();
    this.active().set(value);
  }

  route(segments, text) {
    const rest = this.keyed() ? segments.slice(1) : segments;
    if (rest[0] === 'shape' || !rest.length) return this.shape.route(rest, text);
    return this.active().route(rest, text);
  }

  clear() {
    this.shape.clear();
    for (const g of Object.values(this.shapes)) g.clear();
  }

  focus() {
    this.shape.focus();
  }
}

/** Altitude {value, unit, reference}: FL implies STD, SFC implies 0. With `required`, the
 * value is left empty for the operator to give (no guessed block). */
export function altitudeSpec(key, label, defaults = {}) {
  return {
    type: 'altitude',
    key,
    label,
    columns: true,
    optional: defaults.optional,
    fields: [
      { type: 'number', key: 'value', label: 'field.altitude_value', integer: true, default: defaults.value, required: defaults.required },
      { type: 'select', key: 'unit', label: 'field.altitude_unit', enum: 'AltitudeUnit', values: ['ft', 'FL', 'm'], default: defaults.unit || 'ft' },
      { type: 'select', key: 'reference', label: 'field.altitude_reference', enum: 'VerticalReference', values: ['SFC', 'AMSL', 'AGL', 'STD'], default: defaults.reference || 'AMSL' },
    ],
  };
}

/** An altitude group with the same height in FL, ft and m beside it, as typed. Choosing FL
 * sets the reference STD (and leaving FL leaves STD); SFC sets the value 0. */
export class AltitudeGroup extends Group {
  constructor(spec, base, ctx) {
    super({ ...spec, type: 'group' }, base, ctx);
    const [value, unit, reference] = this.children;
    this.parts = { value, unit, reference };
    this.conversion = h('output', { class: 'conversion', 'aria-live': 'polite', 'data-conversion': this.path });
    this.el.querySelector('.group-body').append(this.conversion);
    unit.control.addEventListener('change', () => {
      if (unit.control.value === 'FL') reference.control.value = 'STD';
      else if (reference.control.value === 'STD') reference.control.value = 'AMSL';
      this.showConversion();
    });
    reference.control.addEventListener('change', () => {
      if (reference.control.value === 'SFC') value.control.value = '0';
      if (reference.control.value === 'STD') unit.control.value = 'FL';
      else if (unit.control.value === 'FL') unit.control.value = 'ft';
      this.showConversion();
    });
    value.control.addEventListener('input', () => this.showConversion());
    this.showConversion();
  }

  showConversion() {
    const raw = this.parts.value.control.value.trim().replace(',', '.');
    const number = raw === '' ? NaN : Number(raw);
    const words = { sfc: t('alt.sfc'), ft: t('alt.ft'), m: t('alt.m'), FL: t('alt.FL') };
    const reference = this.parts.reference.control.value;
    const text = Number.isFinite(number) || reference === 'SFC' ? conversionText(number, this.parts.unit.control.value, reference, words) : '';
    this.conversion.textContent = text ? `= ${text}` : '';
  }

  set(obj) {
    super.set(obj);
    this.showConversion();
  }
}

export function build(spec, base, ctx) {
  switch (spec.type) {
    case 'text':
      return new TextField(spec, base, ctx);
    case 'number':
      return new NumberField(spec, base, ctx);
    case 'select':
      return new SelectField(spec, base, ctx);
    case 'multi':
      return new MultiField(spec, base, ctx);
    case 'time':
      return new TimeField(spec, base, ctx);
    case 'position':
      return new PositionField(spec, base, ctx);
    case 'points':
      return new PointsField(spec, base, ctx);
    case 'group':
      return new Group(spec, base, ctx);
    case 'altitude':
      return new AltitudeGroup(spec, base, ctx);
    case 'list':
      return new ListField(spec, base, ctx);
    case 'area':
      return new AreaField(spec, base, ctx);
    case 'distance':
      return new Group({ type: 'group', key: spec.key, label: spec.label, columns: true, fields: [
        { type: 'number', key: 'value', label: 'field.altitude_value', default: spec.value },
        { type: 'select', key: 'unit', label: 'field.altitude_unit', enum: 'DistanceUnit', values: ['NM', 'km', 'm'], default: spec.unit || 'NM' },
      ] }, base, ctx);
    default:
      throw new Error(`unknown field type ${spec.type}`);
  }
}

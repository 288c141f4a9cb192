// Drawing on the map while composing: a map under a form with areas (a planned operation's
// areas, a SAR corridor) where a polygon, a circle or a corridor is drawn with clicks and
// written into the form's fields, and where every area the form holds (drawn or typed) is
// previewed, dashed, over both sides' notices before anything is sent.
// Same projection as the main map (x = lon·cos φ₀, y = −lat) and the same bundled outline;
// nothing is fetched from elsewhere.

import { h, replace, s } from '../dom.js';
import { circleRing, EARTH_RADIUS, METRES, parsePosition } from '../geo/coords.js';
import { t } from '../i18n.js';
import { featuresOf } from './features.js';
import { loadOutline } from './outline.js';

const DEG_M = (Math.PI / 180) * EARTH_RADIUS;

/** Great-circle distance in metres. */
export function distanceM(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS * Math.asin(Math.min(1, Math.sqrt(x)));
}

const round = (x) => Number(x.toFixed(4));

/** The area widgets (forms/fields.js AreaField) under a widget tree, in form order. */
function areasUnder(widget, out = []) {
  if (!widget) return out;
  if (widget.shapes && widget.shape) {
    out.push(widget);
    return out;
  }
  for (const child of widget.children || widget.items || []) areasUnder(child, out);
  return out;
}

function pointsOfText(text) {
  const points = [];
  for (const line of String(text || '').split('\n')) {
    try {
      if (line.trim()) points.push(parsePosition(line));
    } catch {
      // a line that cannot be read yet is not drawn
    }
  }
  return points;
}

function distanceOf(group) {
  const [value, unit] = group.children;
  const v = Number(value.control.value.trim().replace(',', '.'));
  return Number.isFinite(v) && v > 0 ? v * (METRES[unit.control.value] || 1852) : 0;
}

/** What an area widget holds now, as geometry to draw (no side effects on the form). */
export function geometryOf(area) {
  const shape = area.shape.control.value;
  const group = area.shapes[shape];
  if (shape === 'polygon') {
    const points = pointsOfText(group.children[0].control.value);
    return points.length >= 2 ? { type: 'ring', points } : null;
  }
  if (shape === 'corridor') {
    const points = pointsOfText(group.children[0].control.value);
    return points.length >= 2 ? { type: 'corridor', points, halfWidth: distanceOf(group.children[1]) } : null;
  }
  let centre = null;
  try {
    centre = group.children[0].children[0].current();
  } catch {
    return null;
  }
  const radius = distanceOf(group.children[1]);
  return radius > 0 && Math.abs(centre.lat) <= 90 ? { type: 'ring', points: circleRing(centre, radius) } : null;
}

export class DrawPad {
  /** `form` is the compose form's widget tree (forms/fields.js Group). */
  constructor(ctx, form) {
    this.ctx = ctx;
    this.form = form;
    this.areas = areasUnder(form);
    this.target = this.areas[0];
    this.tool = null; // 'polygon' | 'circle' | 'corridor' while drawing
    this.points = [];
    this.view = null;
    this.k = 1;
    this.outline = null;
    this.svg = s('svg', { class: 'draw-svg', role: 'application', tabindex: '0', 'aria-label': t('draw.map_label'), preserveAspectRatio: 'xMidYMid meet' });
    this.hint = h('p', { class: 'hint', 'aria-live': 'polite' }, t('draw.hint_idle'));
    this.status = h('p', { class: 'draw-status', 'aria-live': 'polite' });
    this.tools = ['polygon', 'circle', 'corridor'].map((tool) =>
      h('button', { type: 'button', class: 'small', 'data-draw': tool, 'aria-pressed': 'false', onclick: () => this.start(tool) }, t(`draw.${tool}`)),
    );
    const bar = h(
      'div',
      { class: 'draw-toolbar' },
      this.tools,
      h('button', { type: 'button', class: 'small', 'data-draw': 'undo', onclick: () => this.undo() }, t('draw.undo')),
      h('button', { type: 'button', class: 'small', 'data-draw': 'clear', onclick: () => this.clearDraft() }, t('draw.clear')),
      h('button', { type: 'button', class: 'small', 'aria-label': t('map.zoom_in'), onclick: () => this.zoom(1 / 1.6) }, '+'),
      h('button', { type: 'button', class: 'small', 'aria-label': t('map.zoom_out'), onclick: () => this.zoom(1.6) }, '−'),
      h('button', { type: 'button', class: 'small', onclick: () => this.fit() }, t('map.fit')),
    );
    this.el = h('fieldset', { class: 'group draw-pad' }, h('legend', null, t('draw.title')), bar, this.hint, h('div', { class: 'draw-frame' }, this.svg), this.status);
    this.bindPointer();
    // the preview follows the form, typed or drawn; the target is the area last worked in
    const formEl = () => this.el.closest('form');
    queueMicrotask(() => {
      const el = formEl();
      if (!el) return;
      el.addEventListener('input', () => this.draw());
      el.addEventListener('change', () => this.draw());
      el.addEventListener('focusin', (e) => {
        this.areas = areasUnder(this.form);
        const hit = this.areas.find((a) => a.el.contains(e.target));
        if (hit) this.target = hit;
      });
      el.addEventListener('click', () => queueMicrotask(() => { this.areas = areasUnder(this.form); this.draw(); }));
    });
    loadOutline().then((outline) => {
      this.outline = outline || null;
      this.fit();
    });
    this.fit();
  }

  start(tool) {
    this.areas = areasUnder(this.form);
    if (!this.areas.includes(this.target)) this.target = this.areas[0];
    this.tool = tool;
    this.points = [];
    for (const b of this.tools) b.setAttribute('aria-pressed', String(b.dataset.draw === tool));
    this.hint.textContent = t(`draw.hint_${tool}`);
    this.svg.focus();
  }

  undo() {
    this.points.pop();
    this.write();
  }

  clearDraft() {
    this.points = [];
    this.write();
  }

  /** A click on the map at a position: the next point of what is being drawn. */
  add(p) {
    if (!this.tool) return;
    if (this.tool === 'circle' && this.points.length >= 2) this.points = [];
    this.points.push({ lat: round(p.lat), lon: round(p.lon) });
    this.write();
  }

  /** Write what is drawn into the target area's fields (keeping what the drawing does not
   * give: a corridor's half width, a circle's unit). */
  write() {
    const area = this.target;
    if (!area || !this.tool) return;
    const shape = this.tool;
    area.shape.control.value = shape;
    area.show();
    const group = area.shapes[shape];
    const pts = this.points;
    if (shape === 'polygon') {
      const ring = pts.length >= 3 ? [...pts, pts[0]] : pts;
      group.children[0].control.value = ring.map((q) => `${q.lat}, ${q.lon}`).join('\n');
    } else if (shape === 'corridor') {
      group.children[0].control.value = pts.map((q) => `${q.lat}, ${q.lon}`).join('\n');
    } else {
      const [centre, edge] = pts;
      const position = group.children[0].children[0];
      if (centre) position.set(centre);
      else for (const part of [position.lat, position.lon, position.mgrs]) part.control.value = '';
      const [value, unit] = group.children[1].children;
      if (centre && edge) value.control.value = String(Number((distanceM(centre, edge) / (METRES[unit.control.value] || 1852)).toFixed(1)));
    }
    area.el.dispatchEvent(new Event('input', { bubbles: true }));
    this.draw();
  }

  // view ------------------------------------------------------------------------------------
  project(p) {
    return [p.lon * this.k, -p.lat];
  }

  geometries() {
    this.areas = areasUnder(this.form);
    return this.areas.map((a) => (a.el.isConnected && !a.el.closest('[hidden]') ? geometryOf(a) : null)).filter(Boolean);
  }

  fit() {
    const own = this.ctx.session.side;
    const drafts = this.geometries().flatMap((g) => g.points);
    const features = this.ctx.store.list().flatMap((item) => featuresOf(item, own)).filter((f) => f.geometry);
    let pts = drafts.length ? drafts : features.flatMap((f) => (f.geometry.points ? f.geometry.points : [f.geometry.point]));
    pts = pts.filter((p) => p && Math.abs(p.lat) <= 90);
    if (!pts.length) {
      this.k = 1;
      this.view = { x: -180, y: -85, w: 360, h: 170 };
    } else {
      const lats = pts.map((p) => p.lat);
      const lons = pts.map((p) => p.lon);
      this.k = Math.max(0.2, Math.cos((((Math.min(...lats) + Math.max(...lats)) / 2) * Math.PI) / 180));
      const xs = lons.map((x) => x * this.k);
      const ys = lats.map((y) => -y);
      const pad = 1;
      this.view = { x: Math.min(...xs) - pad, y: Math.min(...ys) - pad, w: Math.max(1, Math.max(...xs) - Math.min(...xs)) + 2 * pad, h: Math.max(1, Math.max(...ys) - Math.min(...ys)) + 2 * pad };
    }
    const ratio = 1.8;
    if (this.view.w / this.view.h < ratio) {
      const w = this.view.h * ratio;
      this.view.x -= (w - this.view.w) / 2;
      this.view.w = w;
    } else {
      const hh = this.view.w / ratio;
      this.view.y -= (hh - this.view.h) / 2;
      this.view.h = hh;
    }
    this.draw();
  }

  zoom(factor) {
    const v = this.view;
    const w = Math.min(400, Math.max(0.02, v.w * factor));
    const f = w / v.w;
    this.view = { x: v.x + (v.w - w) / 2, y: v.y + (v.h - v.h * f) / 2, w, h: v.h * f };
    this.draw();
  }

  /** The position under a pointer event. */
  at(e) {
    const pt = this.svg.createSVGPoint();
    pt.x = e.clientX;
    pt.y = e.clientY;
    const p = pt.matrixTransform(this.svg.getScreenCTM().inverse());
    return { lat: -p.y, lon: p.x / this.k };
  }

  bindPointer() {
    let drag = null;
    this.svg.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, view: { ...this.view }, moved: false };
      this.svg.setPointerCapture(e.pointerId);
    });
    this.svg.addEventListener('pointermove', (e) => {
      if (!drag) return;
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 4) drag.moved = true;
      if (!drag.moved) return;
      const scale = drag.view.w / this.svg.getBoundingClientRect().width;
      this.view = { ...drag.view, x: drag.view.x - (e.clientX - drag.x) * scale, y: drag.view.y - (e.clientY - drag.y) * scale };
      this.draw();
    });
    const end = (e) => {
      if (drag && !drag.moved && e.type === 'pointerup') this.add(this.at(e));
      drag = null;
    };
    this.svg.addEventListener('pointerup', end);
    this.svg.addEventListener('pointercancel', end);
    this.svg.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.tool) {
        this.tool = null;
        for (const b of this.tools) b.setAttribute('aria-pressed', 'false');
        this.hint.textContent = t('draw.hint_idle');
        e.preventDefault();
      }
    });
  }

  path(points, close) {
    const d = points.map((p, i) => {
      const [x, y] = Array.isArray(p) ? [p[0] * this.k, -p[1]] : this.project(p);
      return `${i ? 'L' : 'M'}${x.toFixed(4)} ${y.toFixed(4)}`;
    }).join('');
    return close ? `${d}Z` : d;
  }

  shape(geo, cls) {
    if (geo.type === 'ring') return s('path', { d: this.path(geo.points, true), class: cls });
    if (geo.type === 'corridor') {
      const r = geo.halfWidth / DEG_M;
      const width = Math.max(r * 2, this.view.w / 400);
      const buffer = s('path', { d: this.path(geo.points, false), class: 'buffer' });
      buffer.style.strokeWidth = String(width); // in map units: the corridor's true width
      return s('g', { class: cls }, buffer, s('path', { d: this.path(geo.points, false), class: 'centreline' }));
    }
    const [x, y] = this.project(geo.point);
    return s('circle', { cx: x, cy: y, r: Math.max(geo.radius / DEG_M, this.view.w / 200), class: cls });
  }

  draw() {
    if (!this.view) return;
    const v = this.view;
    this.svg.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
    const layers = [];
    if (this.outline && !this.outline.missing) {
      const m = v.w * 0.2;
      const inView = (box) => box[2] * this.k >= v.x - m && box[0] * this.k <= v.x + v.w + m && -box[1] >= v.y - m && -box[3] <= v.y + v.h + m;
      const land = this.outline.land.filter((r) => inView(r.box)).map((r) => this.path(r.points, true)).join('');
      if (land) layers.push(s('path', { d: land, class: 'land' }));
    }
    const own = this.ctx.session.side;
    const features = this.ctx.store.list().flatMap((item) => featuresOf(item, own)).filter((f) => f.geometry);
    layers.push(s('g', { class: 'context' }, features.map((f) => this.shape(f.geometry, `context ${f.side}`))));
    const drafts = this.geometries();
    layers.push(s('g', { class: 'drafts', 'data-drafts': String(drafts.length) }, drafts.map((g) => this.shape(g, 'draft'))));
    const r = v.w / 150;
    layers.push(s('g', { class: 'draw-points' }, this.points.map((p) => {
      const [x, y] = this.project(p);
      return s('circle', { cx: x, cy: y, r, class: 'draw-point' });
    })));
    replace(this.svg, ...layers);
    this.status.textContent = t('draw.preview', { count: drafts.length });
  }
}

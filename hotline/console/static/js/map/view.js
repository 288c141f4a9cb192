// The map view: an SVG lat/lon grid (equirectangular, scaled by the cosine of the centre
// latitude) with the bundled outline, the features of both sides, the conflicts between them
// (hatched overlaps, ringed emergencies), the current time and a time slider over the windows.
// Zoom with the buttons, the wheel or +/-; pan by dragging or arrows; a click on a feature opens
// its notice, on a conflict the conflicts list at that conflict.

import { certaintyText, noticeName, overlapLine, typeText } from '../conflicts/text.js';
import { h, replace, s } from '../dom.js';
import { EARTH_RADIUS } from '../geo/coords.js';
import { t, tEnum } from '../i18n.js';
import { refText, responseChip } from '../render.js';
import { dtg, zulu } from '../time.js';
import { conflictPoints, conflictShape } from './conflicts.js';
import { activeAt, featuresOf, pointsOf } from './features.js';
import { loadOutline } from './outline.js';

const DEG_M = (Math.PI / 180) * EARTH_RADIUS; // metres per degree of latitude
const STEPS = [0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30];

export class MapView {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.k = 1; // cos(reference latitude): x = lon * k
    this.view = null; // {x, y, w, h} in projected units
    this.time = Date.now();
    this.followNow = true;
    this.onlyActive = true; // what applies now, by default; the box shows every window
    this.focusKey = null;
    this.focusConflict = null;
    this.features = [];
    this.conflicts = [];
    this.outline = null;
    this.visible = false;
    this.build();
    ctx.store.subscribe(() => this.visible && this.refresh());
    ctx.conflicts.subscribe(() => this.visible && this.refresh());
    ctx.every(() => {
      if (this.followNow && this.visible) this.setTime(Date.now(), true);
    }, 30_000);
  }

  build() {
    this.svg = s('svg', { class: 'map-svg', role: 'img', tabindex: '0', 'aria-labelledby': 'map-title map-desc', preserveAspectRatio: 'xMidYMid meet' });
    this.svgTitle = s('title', { id: 'map-title' }, t('map.title'));
    this.svgDesc = s('desc', { id: 'map-desc' });
    this.slider = h('input', { type: 'range', id: 'map-time', min: 0, max: 1, step: 60000, oninput: () => this.setTime(Number(this.slider.value), false) });
    this.timeLabel = h('output', { for: 'map-time', class: 'time-label' });
    this.activeBox = h('input', { type: 'checkbox', id: 'map-active', checked: this.onlyActive, onchange: () => { this.onlyActive = this.activeBox.checked; this.draw(); } });
    this.list = h('ul', { class: 'feature-list' });
    this.conflictList = h('ul', { class: 'conflict-list' });
    this.conflictHeading = h('h3', null, t('map.conflicts'));
    this.note = h('p', { class: 'hint' });
    const toolbar = h(
      'div',
      { class: 'map-toolbar' },
      h('button', { type: 'button', onclick: () => this.zoom(1 / 1.6) , 'aria-label': t('map.zoom_in') }, '+'),
      h('button', { type: 'button', onclick: () => this.zoom(1.6), 'aria-label': t('map.zoom_out') }, '−'),
      h('button', { type: 'button', onclick: () => this.fit() }, t('map.fit')),
      h('label', { for: 'map-time', class: 'slider-label' }, t('map.time')),
      this.slider,
      this.timeLabel,
      h('button', { type: 'button', onclick: () => this.setTime(Date.now(), true) }, t('map.now')),
      h('label', { class: 'check', for: 'map-active' }, this.activeBox, ' ', t('map.only_active')),
    );
    const legend = h(
      'ul',
      { class: 'legend', 'aria-label': t('map.legend') },
      h('li', null, h('span', { class: 'swatch own' }), t('map.legend_ours')),
      h('li', null, h('span', { class: 'swatch theirs' }), t('map.legend_theirs')),
      h('li', null, h('span', { class: 'swatch volume' }), t('map.legend_volume')),
      h('li', null, h('span', { class: 'swatch distress' }), t('map.legend_distress')),
      h('li', null, h('span', { class: 'swatch downed' }), t('map.legend_downed')),
      h('li', null, h('span', { class: 'swatch measure' }), t('map.legend_measure')),
      h('li', null, h('span', { class: 'swatch conflict' }), t('map.legend_conflict')),
      h('li', null, h('span', { class: 'swatch conflict possible' }), t('map.legend_conflict_possible')),
    );
    this.svg.append(this.svgTitle, this.svgDesc);
    replace(
      this.root,
      h(
        'div',
        { class: 'map' },
        h('h2', { class: 'sr-only' }, t('map.title')),
        toolbar,
        h('div', { class: 'map-body' }, h('div', { class: 'map-frame' }, this.svg), h('aside', { class: 'map-side' }, legend, this.note, this.conflictHeading, this.conflictList, h('h3', null, t('map.features')), this.list)),
      ),
    );
    this.bindPointer();
  }

  relabel() {
    const view = this.view;
    this.build();
    this.view = view;
    if (this.visible) this.refresh();
  }

  async show(route) {
    this.visible = true;
    const [side, index] = route;
    this.focusConflict = side === 'conflict' && index ? index : null;
    this.focusKey = !this.focusConflict && side !== undefined && index !== undefined ? `${side}/${index}` : null;
    if (!this.outline) this.outline = (await loadOutline()) || { land: [], borders: [], missing: true };
    this.refresh(true);
  }

  hide() {
    this.visible = false;
  }

  refresh(refit = false) {
    const own = this.ctx.session.side;
    this.features = this.ctx.store.list().flatMap((item) => featuresOf(item, own));
    this.conflicts = this.ctx.conflicts.list().map((c) => conflictShape(c, this.ctx.store, own));
    const times = this.features.flatMap((f) => [f.from, f.to]).filter((x) => x < 8e15);
    const now = Date.now();
    const min = Math.min(now - 3_600_000, ...times);
    const max = Math.max(now + 3_600_000, ...times);
    this.slider.min = String(Math.floor(min / 60000) * 60000);
    this.slider.max = String(Math.ceil(max / 60000) * 60000);
    if (this.followNow) this.time = now;
    this.slider.value = String(this.time);
    if (refit || !this.view) this.fit(false);
    this.draw();
  }

  setTime(ms, follow) {
    this.followNow = follow;
    this.time = ms;
    this.slider.value = String(ms);
    if (this.visible) this.draw();
  }

  project(lat, lon) {
    return [lon * this.k, -lat];
  }

  fit(drawAfter = true) {
    const focused = this.focusConflict && this.conflicts.find((c) => c.key === this.focusConflict);
    let pts = focused ? conflictPoints(focused) : this.features.filter((f) => !this.focusKey || f.key === this.focusKey).flatMap(pointsOf);
    if (!pts.length) pts = this.features.flatMap(pointsOf);
    let view;
    if (!pts.length) {
      this.k = 1;
      view = { x: -180, y: -85, w: 360, h: 170 };
    } else {
      const lats = pts.map((p) => p.lat);
      const lons = pts.map((p) => p.lon);
      const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
      this.k = Math.max(0.2, Math.cos((midLat * Math.PI) / 180));
      const xs = lons.map((x) => x * this.k);
      const ys = lats.map((y) => -y);
      const pad = 0.5;
      const w = Math.max(1, Math.max(...xs) - Math.min(...xs)) + 2 * pad;
      const hgt = Math.max(1, Math.max(...ys) - Math.min(...ys)) + 2 * pad;
      view = { x: Math.min(...xs) - pad, y: Math.min(...ys) - pad, w, h: hgt };
    }
    this.view = this.aspect(view);
    if (drawAfter) this.draw();
  }

  /** Widen the view to the frame's aspect ratio, so the grid fills it. */
  aspect(view) {
    const rect = this.svg.getBoundingClientRect();
    const ratio = rect.width && rect.height ? rect.width / rect.height : 1.6;
    const v = { ...view };
    if (v.w / v.h < ratio) {
      const w = v.h * ratio;
      v.x -= (w - v.w) / 2;
      v.w = w;
    } else {
      const hh = v.w / ratio;
      v.y -= (hh - v.h) / 2;
      v.h = hh;
    }
    return v;
  }

  zoom(factor, cx, cy) {
    const v = this.view;
    const x = cx ?? v.x + v.w / 2;
    const y = cy ?? v.y + v.h / 2;
    const w = Math.min(400, Math.max(0.02, v.w * factor));
    const f = w / v.w;
    this.view = { x: x - (x - v.x) * f, y: y - (y - v.y) * f, w, h: v.h * f };
    this.draw();
  }

  pan(dx, dy) {
    this.view = { ...this.view, x: this.view.x + dx * this.view.w, y: this.view.y + dy * this.view.h };
    this.draw();
  }

  bindPointer() {
    const svg = this.svg;
    let drag = null;
    svg.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, view: { ...this.view }, moved: false, target: e.target };
      svg.setPointerCapture(e.pointerId);
    });
    svg.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const rect = svg.getBoundingClientRect();
      const scale = drag.view.w / rect.width;
      const dx = (e.clientX - drag.x) * scale;
      const dy = (e.clientY - drag.y) * scale;
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) drag.moved = true;
      this.view = { ...drag.view, x: drag.view.x - dx, y: drag.view.y - dy };
      svg.setAttribute('viewBox', `${this.view.x} ${this.view.y} ${this.view.w} ${this.view.h}`);
    });
    const end = (e) => {
      if (drag && drag.moved) this.draw();
      else if (drag && e.type === 'pointerup') this.activate(drag.target);
      drag = null;
    };
    svg.addEventListener('pointerup', end);
    svg.addEventListener('pointercancel', end);
    svg.addEventListener('wheel', (e) => {
      e.preventDefault();
      const rect = svg.getBoundingClientRect();
      const v = this.view;
      const cx = v.x + ((e.clientX - rect.left) / rect.width) * v.w;
      const cy = v.y + ((e.clientY - rect.top) / rect.height) * v.h;
      this.zoom(e.deltaY > 0 ? 1.25 : 0.8, cx, cy);
    }, { passive: false });
    svg.addEventListener('keydown', (e) => {
      const moves = { ArrowLeft: [-0.1, 0], ArrowRight: [0.1, 0], ArrowUp: [0, -0.1], ArrowDown: [0, 0.1] };
      if (moves[e.key]) this.pan(...moves[e.key]);
      else if (e.key === '+' || e.key === '=') this.zoom(1 / 1.6);
      else if (e.key === '-') this.zoom(1.6);
      else return;
      e.preventDefault();
    });
  }

  /** A click (a press without a drag) on the map: a conflict opens in the conflicts list, a
   * feature on the board. The pointer is captured for dragging, so the press's own target
   * decides, not the element under the release. */
  activate(target) {
    const el = target instanceof Element ? target : null;
    const conflict = el?.closest('[data-conflict-id]');
    if (conflict) {
      this.ctx.navigate(`#conflicts/${conflict.dataset.conflictId}`);
      return;
    }
    const feature = el?.closest('g.feature');
    if (feature) this.ctx.navigate(`#board/${feature.dataset.key}`);
  }

  // drawing ---------------------------------------------------------------------------------
  path(points, close) {
    let d = '';
    for (let i = 0; i < points.length; i += 1) {
      const p = points[i];
      const [x, y] = Array.isArray(p) ? [p[0] * this.k, -p[1]] : this.project(p.lat, p.lon);
      d += `${i ? 'L' : 'M'}${x.toFixed(4)} ${y.toFixed(4)}`;
    }
    return close ? `${d}Z` : d;
  }

  inView(box, margin) {
    const v = this.view;
    const [x0, x1] = [box[0] * this.k, box[2] * this.k];
    const [y0, y1] = [-box[3], -box[1]];
    return x1 >= v.x - margin && x0 <= v.x + v.w + margin && y1 >= v.y - margin && y0 <= v.y + v.h + margin;
  }

  drawOutline(layer) {
    const margin = this.view.w * 0.2;
    const land = this.outline.land.filter((r) => this.inView(r.box, margin)).map((r) => this.path(r.points, true)).join('');
    const borders = this.outline.borders.filter((r) => this.inView(r.box, margin)).map((r) => this.path(r.points, false)).join('');
    if (land) layer.append(s('path', { d: land, class: 'land' }));
    if (borders) layer.append(s('path', { d: borders, class: 'border' }));
  }

  drawGrid(layer, fontSize) {
    const v = this.view;
    const latSpan = v.h;
    const step = STEPS.find((st) => latSpan / st <= 10) || 30;
    const lon0 = Math.floor(v.x / this.k / step) * step;
    const lon1 = (v.x + v.w) / this.k;
    const lat0 = Math.floor(-(v.y + v.h) / step) * step;
    const lat1 = -v.y;
    const fmt = (x, pos, neg) => `${Math.abs(Number(x.toFixed(2)))}°${x < 0 ? neg : x > 0 ? pos : ''}`;
    for (let lon = lon0; lon <= lon1; lon += step) {
      if (lon < -180 || lon > 180) continue;
      const x = lon * this.k;
      layer.append(s('line', { x1: x, x2: x, y1: v.y, y2: v.y + v.h, class: 'grid' }));
      layer.append(s('text', { x: x + fontSize * 0.2, y: v.y + v.h - fontSize * 0.4, 'font-size': fontSize, class: 'grid-label' }, fmt(lon, 'E', 'W')));
    }
    for (let lat = lat0; lat <= lat1; lat += step) {
      if (lat < -90 || lat > 90) continue;
      layer.append(s('line', { x1: v.x, x2: v.x + v.w, y1: -lat, y2: -lat, class: 'grid' }));
      layer.append(s('text', { x: v.x + fontSize * 0.3, y: -lat - fontSize * 0.3, 'font-size': fontSize, class: 'grid-label' }, fmt(lat, 'N', 'S')));
    }
  }

  corridor(points, halfWidth) {
    const r = halfWidth / DEG_M;
    const proj = points.map((p) => this.project(p.lat, p.lon));
    const parts = [];
    for (let i = 0; i + 1 < proj.length; i += 1) {
      const [x1, y1] = proj[i];
      const [x2, y2] = proj[i + 1];
      const len = Math.hypot(x2 - x1, y2 - y1) || 1;
      const nx = (-(y2 - y1) / len) * r;
      const ny = ((x2 - x1) / len) * r;
      parts.push(s('path', { d: `M${x1 + nx} ${y1 + ny}L${x2 + nx} ${y2 + ny}L${x2 - nx} ${y2 - ny}L${x1 - nx} ${y1 - ny}Z` }));
    }
    for (const [x, y] of proj) parts.push(s('circle', { cx: x, cy: y, r }));
    return parts;
  }

  drawFeature(f, fontSize) {
    const active = activeAt(f, this.time);
    // an answer that refuses (UNABLE, NEGATIVE) reads apart on the map too: outlined dashed red
    const answer = f.item.state?.acknowledged?.response;
    const refused = answer === 'UNABLE' || answer === 'NEGATIVE';
    const cls = ['feature', f.role, f.side, active ? 'active' : 'inactive', f.key === this.focusKey && 'focus', refused && 'answer-negative'].filter(Boolean).join(' ');
    const g = s('g', { class: cls, 'data-key': f.key, 'data-role': f.role, 'data-active': String(active), 'data-answer': answer });
    const geo = f.geometry;
    let anchor;
    let radius = fontSize * 0.5; // the anchor's own size, kept clear by the label
    if (geo.type === 'ring') {
      g.append(s('path', { d: this.path(geo.points, true), class: 'area' }));
      anchor = geo.points[0];
    } else if (geo.type === 'corridor') {
      g.append(s('g', { class: 'buffer' }, this.corridor(geo.points, geo.halfWidth)));
      g.append(s('path', { d: this.path(geo.points, false), class: 'centreline' }));
      anchor = geo.points[0];
    } else {
      const [x, y] = this.project(geo.point.lat, geo.point.lon);
      // the uncertainty is drawn at any zoom: never smaller than the marker it surrounds
      const r = geo.radius / DEG_M;
      const min = fontSize * 0.7;
      g.append(s('circle', { cx: x, cy: y, r: Math.max(r, min), class: ['uncertainty', r < min && 'not-to-scale'].filter(Boolean).join(' '), 'data-uncertainty-m': geo.radius }));
      radius = Math.max(r, min);
      g.append(s('circle', { cx: x, cy: y, r: fontSize * 0.35, class: ['marker', f.latest === false && 'old'].filter(Boolean).join(' ') }));
      anchor = geo.point;
    }
    g.append(s('title', null, `${tEnum('Kind', f.item.kind)} ${refText(this.ctx.store, f.item)}: ${f.label || ''} ${f.detail || ''}`));
    const text = [f.label, f.altitude].filter(Boolean).join(' ');
    if (text) {
      const [x, y] = this.project(anchor.lat, anchor.lon);
      this.labels.push({ g, text, x, y, radius, priority: this.labelRank(f, active) });
    }
    return g;
  }

  labelRank(f, active) {
    const roles = { distress: 0, downed: 1, measure: 2, volume: 3 };
    return (f.key === this.focusKey ? 0 : 10) + (active ? 0 : 5) + roles[f.role];
  }

  /** Place the labels, most important first, each at the first of four spots around its anchor
   * that overlaps no label placed before; one with no free spot is left out (its feature's
   * tooltip and the list beside the map still name it). */
  placeLabels(fontSize) {
    const placed = [];
    const overlaps = (a) => placed.some((b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1);
    const seen = new Set();
    this.labels.sort((a, b) => a.priority - b.priority);
    for (const label of this.labels) {
      const w = label.text.length * fontSize * 0.62;
      const hgt = fontSize * 1.1;
      const d = label.radius * 0.75 + fontSize * 0.3;
      const spots = [
        [label.x + d, label.y - d], // right, above
        [label.x + d, label.y + d + hgt], // right, below
        [label.x - d - w, label.y - d], // left, above
        [label.x - d - w, label.y + d + hgt], // left, below
      ];
      const same = `${label.text}@${Math.round(label.x / fontSize)},${Math.round(label.y / fontSize)}`;
      const spot = seen.has(same) ? null : spots.map(([x, y]) => ({ x, y, x0: x, x1: x + w, y0: y - hgt, y1: y })).find((box) => !overlaps(box));
      if (!spot) {
        label.g.dataset.labelHidden = 'true';
        continue;
      }
      seen.add(same);
      placed.push(spot);
      label.g.append(s('text', { x: spot.x, y: spot.y - fontSize * 0.2, 'font-size': fontSize, class: 'feature-label' }, label.text));
    }
  }

  /** The hatching of overlaps, one pattern per certainty, sized to the current zoom. */
  hatches(fontSize) {
    const size = fontSize * 0.9;
    return s(
      'defs',
      null,
      ['certain', 'possible'].map((certainty) =>
        s(
          'pattern',
          { id: `hatch-${certainty}`, class: `hatch hatch-${certainty}`, patternUnits: 'userSpaceOnUse', width: size, height: size, patternTransform: 'rotate(45)' },
          s('rect', { width: size, height: size, class: 'hatch-ground' }),
          s('line', { x1: 0, y1: 0, x2: 0, y2: size, 'stroke-width': size * (certainty === 'certain' ? 0.4 : 0.25) }),
        ),
      ),
    );
  }

  drawConflict(shape, fontSize) {
    const c = shape.conflict;
    const active = activeAt(shape, this.time);
    const cls = ['conflict', `certainty-${c.certainty}`, `state-${c.state}`, `type-${c.type}`, active ? 'active' : 'inactive', c.id === this.focusConflict && 'selected'];
    const g = s('g', { class: cls.filter(Boolean).join(' '), 'data-conflict-id': c.id, 'data-type': c.type, 'data-certainty': c.certainty, 'data-state': c.state, 'data-active': String(active) });
    for (const polygon of shape.overlap) {
      const d = polygon.map((ring) => this.path(ring, true)).join('');
      g.append(s('path', { d, class: 'overlap', 'fill-rule': 'evenodd', fill: c.state === 'open' ? `url(#hatch-${c.certainty})` : undefined }));
    }
    for (const geo of shape.areas) {
      if (geo.type === 'ring') g.append(s('path', { d: this.path(geo.points, true), class: 'conflict-op' }));
      else if (geo.type === 'corridor') g.append(s('g', { class: 'conflict-op' }, this.corridor(geo.points, geo.halfWidth)));
    }
    for (const geo of shape.points) {
      const [x, y] = this.project(geo.point.lat, geo.point.lon);
      g.append(s('circle', { cx: x, cy: y, r: Math.max(geo.radius / DEG_M, fontSize * 2), class: 'conflict-ring' }));
    }
    g.append(s('title', null, `${overlapLine(c)}: ${c.between.map((r) => noticeName(this.ctx.store, r)).join(' / ')}`));
    return g;
  }

  draw() {
    if (!this.view) return;
    const v = this.view;
    this.svg.setAttribute('viewBox', `${v.x} ${v.y} ${v.w} ${v.h}`);
    for (const child of [...this.svg.children]) if (child !== this.svgTitle && child !== this.svgDesc) child.remove();
    const rect = this.svg.getBoundingClientRect();
    const fontSize = (v.w / Math.max(300, rect.width || 800)) * 14; // 14 px on the screen
    const base = s('g', { class: 'base' });
    if (this.outline && !this.outline.missing) this.drawOutline(base);
    this.drawGrid(base, fontSize);
    const layer = s('g', { class: 'features' });
    // what applies at the chosen time, and the selected notice whatever its window
    const shown = this.features.filter((f) => f.geometry && (!this.onlyActive || activeAt(f, this.time) || f.key === this.focusKey));
    const order = { volume: 0, measure: 1, downed: 2, distress: 3 };
    shown.sort((a, b) => order[a.role] - order[b.role] || (a.key === this.focusKey) - (b.key === this.focusKey));
    this.labels = [];
    for (const f of shown) layer.append(this.drawFeature(f, fontSize));
    this.placeLabels(fontSize);
    const conflicts = this.conflicts.filter((c) => !this.onlyActive || activeAt(c, this.time));
    const conflictLayer = s('g', { class: 'conflicts' }, conflicts.map((c) => this.drawConflict(c, fontSize)));
    this.svg.append(this.hatches(fontSize), base, layer, conflictLayer);
    this.timeLabel.value = `${dtg(this.time)} (${zulu(this.time)})${this.followNow ? ` · ${t('map.now')}` : ''}`;
    this.timeLabel.textContent = this.timeLabel.value;
    this.svgDesc.textContent = `${t('map.description', { count: shown.length })}${this.outline?.missing ? ` ${t('map.outline_missing')}` : ''}`;
    this.note.textContent = this.features.length ? '' : t('map.empty');
    this.conflictHeading.hidden = conflicts.length === 0;
    replace(
      this.conflictList,
      conflicts.map(({ conflict: c }) =>
        h(
          'li',
          { class: [`certainty-${c.certainty}`, `state-${c.state}`], 'data-conflict-id': c.id },
          h('button', { type: 'button', class: 'link', onclick: () => this.ctx.navigate(`#conflicts/${c.id}`) }, `⚠ ${typeText(c)} (${certaintyText(c)}, ${t(`conflict.state_${c.state}`)})`),
          ` ${c.between.map((r) => noticeName(this.ctx.store, r)).join(' / ')}`,
        ),
      ),
    );
    replace(
      this.list,
      shown.map((f) =>
        h(
          'li',
          { class: [f.side, activeAt(f, this.time) ? 'active' : 'inactive', f.key === this.focusKey && 'selected'], 'data-key': f.key, 'aria-current': f.key === this.focusKey ? 'true' : null },
          h('button', { type: 'button', class: 'link', onclick: () => { this.focusKey = f.key; this.fit(); } }, `${tEnum('Kind', f.item.kind)} ${f.label || ''}${f.altitude ? ` ${f.altitude}` : ''}`),
          ` ${refText(this.ctx.store, f.item)} · ${f.detail || ''}`,
          f.item.state?.acknowledged && [' ', responseChip(f.item.state.acknowledged.response)],
        ),
      ),
    );
  }
}

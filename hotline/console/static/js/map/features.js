// What the map shows, taken from the notices: planned-operation volumes with their altitude
// blocks and windows, distress and downed-pilot positions with uncertainty circles, and the
// measures a rescue asks for (SAR corridor, hold fire). Geometry stays in lat/lon here.

import { circleRing, toMetres } from '../geo/coords.js';
import { block, position, window_ } from '../render.js';
import { displayState } from '../store.js';

const FOREVER = 8.64e15;

/** An altitude in a few characters for a map label: FL100, 5000ft, 300m, SFC. */
export function shortAltitude(a) {
  if (!a) return '';
  if (a.reference === 'SFC') return 'SFC';
  if (a.unit === 'FL') return `FL${String(a.value).padStart(3, '0')}`;
  return `${a.value}${a.unit === 'ft' ? 'ft' : 'm'}${a.reference === 'AGL' ? ' AGL' : ''}`;
}

/** An altitude block for a map label: "FL100–FL200". */
export function shortBlock(vb) {
  return vb ? `${shortAltitude(vb.lower)}–${shortAltitude(vb.upper)}` : '';
}

function areaGeometry(area) {
  switch (area.shape) {
    case 'polygon':
      return { type: 'ring', points: area.points };
    case 'circle':
      return { type: 'ring', points: circleRing(area.centre, toMetres(area.radius)) };
    case 'corridor':
      return { type: 'corridor', points: area.centreline, halfWidth: toMetres(area.half_width) };
    default:
      return null;
  }
}

/** Map features of one notice: [{item, role, geometry, label, from, to, detail}]. */
export function featuresOf(item, ownSide) {
  const n = item.notice;
  const side = item.side === ownSide ? 'own' : 'theirs';
  const state = displayState(item);
  if (state === 'cancelled' || state === 'superseded') return [];
  const base = { item, side, key: item.key };
  const until = n.expires || FOREVER;
  switch (n.kind) {
    case 'planned_operation':
      return n.areas.map((area, i) => ({
        ...base,
        id: `${item.key}/area/${i}`,
        role: 'volume',
        geometry: areaGeometry(area),
        label: n.operation_ref,
        altitude: shortBlock(n.vertical_block),
        detail: `${block(n.vertical_block)} · ${window_(n.window)}`,
        from: n.window.start,
        to: n.window.end,
      }));
    case 'aircraft_in_distress': {
      const lp = n.last_position;
      return [
        {
          ...base,
          id: `${item.key}/pos`,
          role: 'distress',
          geometry: { type: 'point', point: lp, radius: lp.uncertainty_m },
          label: n.aircraft.callsign,
          altitude: shortAltitude(lp.altitude),
          detail: position(lp),
          from: Math.min(lp.time, n.time),
          to: until,
        },
      ];
    }
    case 'downed_pilot': {
      const out = n.positions.map((p, i) => ({
        ...base,
        id: `${item.key}/pos/${i}`,
        role: 'downed',
        latest: i === n.positions.length - 1,
        geometry: { type: 'point', point: p, radius: p.uncertainty_m },
        label: i === n.positions.length - 1 ? n.aircraft_callsign : '',
        detail: position(p),
        from: Math.min(p.time, n.time),
        to: until,
      }));
      const m = n.requested_measures || {};
      if (m.sar_corridor) {
        out.push({
          ...base,
          id: `${item.key}/sar`,
          role: 'measure',
          geometry: areaGeometry(m.sar_corridor.area),
          label: `SAR ${n.aircraft_callsign}`,
          altitude: shortBlock(m.sar_corridor.vertical_block),
          detail: `${block(m.sar_corridor.vertical_block)} · ${window_(m.sar_corridor.window)}`,
          from: m.sar_corridor.window.start,
          to: m.sar_corridor.window.end,
        });
      }
      if (m.hold_fire) {
        const w = m.hold_fire.window;
        out.push({
          ...base,
          id: `${item.key}/hold`,
          role: 'measure',
          geometry: { type: 'ring', points: circleRing(m.hold_fire.centre, toMetres(m.hold_fire.radius)) },
          label: `HOLD FIRE ${n.aircraft_callsign}`,
          detail: w ? window_(w) : '',
          from: w ? w.start : n.time,
          to: w ? w.end : until,
        });
      }
      return out;
    }
    default:
      return [];
  }
}

/** Every point of a feature's geometry (for fitting the view). */
export function pointsOf(feature) {
  const g = feature.geometry;
  if (!g) return [];
  if (g.type === 'point') return [g.point];
  return g.points;
}

export function activeAt(feature, time) {
  return feature.from <= time && time < feature.to;
}

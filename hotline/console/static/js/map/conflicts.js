// What the map shows of a conflict: for two operations, the area they share (the node's GeoJSON
// polygon or multipolygon, drawn hatched over both volumes) during their common time span; for
// an emergency, the operation's volume outlined and the emergency's position ringed.

import { featuresOf } from './features.js';

const FOREVER = 8.64e15;

/** The polygons of a GeoJSON geometry, each a list of rings of [lon, lat]. */
function polygons(geometry) {
  if (!geometry) return [];
  if (geometry.type === 'Polygon') return [geometry.coordinates];
  if (geometry.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

/**
 * {conflict, key, overlap: [polygon], areas: [feature geometry], points: [point geometry],
 * from, to}: what to draw for one conflict (its notices as this console holds them).
 */
export function conflictShape(conflict, store, ownSide) {
  const base = { conflict, key: conflict.id, overlap: [], areas: [], points: [] };
  if (conflict.type === 'operations') {
    const o = conflict.overlap;
    return { ...base, overlap: polygons(o.area), from: o.start, to: o.end };
  }
  const items = conflict.between.map((r) => store.get(r.side, r.index)).filter(Boolean);
  const operation = items.find((i) => i.kind === 'planned_operation');
  const emergency = items.find((i) => i.kind !== 'planned_operation');
  const areas = operation ? featuresOf(operation, ownSide).map((f) => f.geometry).filter(Boolean) : [];
  const points = emergency
    ? featuresOf(emergency, ownSide)
        .filter((f) => f.geometry?.type === 'point' && f.latest !== false)
        .map((f) => f.geometry)
    : [];
  const window = operation?.notice.window;
  return { ...base, areas, points, from: window ? window.start : 0, to: window ? window.end : FOREVER };
}

/** Every point of a conflict's shape as {lat, lon} (for fitting the view to it). */
export function conflictPoints(shape) {
  const out = [];
  for (const polygon of shape.overlap) for (const ring of polygon) for (const [lon, lat] of ring) out.push({ lat, lon });
  for (const g of shape.areas) out.push(...g.points);
  for (const g of shape.points) out.push(g.point);
  return out;
}

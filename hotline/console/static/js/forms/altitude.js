// Altitudes: the units the protocol knows (ft, FL, m, as the node converts them: ft 0.3048 m,
// FL 100 ft) and the one-line conversion shown beside an altitude input.

export const METRES_PER = { ft: 0.3048, FL: 30.48, m: 1 };
const ABOVE_SEA = new Set(['AMSL', 'STD']);

/** Metres of an altitude {value, unit}; NaN when it cannot be read. */
export function metres({ value, unit }) {
  return typeof value === 'number' && unit in METRES_PER ? value * METRES_PER[unit] : NaN;
}

const group = (n) => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');

/** The same height in the three units: {ft, m, fl} (fl as the level, rounded to 5). */
export function convert(value, unit) {
  const m = metres({ value, unit });
  if (!Number.isFinite(m)) return null;
  const ft = m / METRES_PER.ft;
  return { m, ft, fl: Math.round(ft / 100 / 5) * 5 };
}

/** "FL100 · 10 000 ft · 3 048 m" for an altitude as typed; '' when nothing can be said. The
 * unit typed comes first; SFC reads as the surface. */
export function conversionText(value, unit, reference, words = { sfc: 'SFC', ft: 'ft', m: 'm', FL: 'FL' }) {
  if (reference === 'SFC') return words.sfc;
  const c = convert(value, unit);
  if (!c) return '';
  const parts = {
    FL: `${words.FL}${String(unit === 'FL' ? value : c.fl).padStart(3, '0')}`,
    ft: `${group(c.ft)} ${words.ft}`,
    m: `${group(c.m)} ${words.m}`,
  };
  const order = [unit, ...['FL', 'ft', 'm'].filter((u) => u !== unit)];
  return order.map((u) => parts[u]).join(' · ');
}

/** Whether lower < upper can be decided from the values alone (as the node decides it). */
export function comparable(lower, upper) {
  const [low, up] = [lower.reference, upper.reference];
  return low === up || low === 'SFC' || (ABOVE_SEA.has(low) && ABOVE_SEA.has(up)) || (low === 'AGL' && ABOVE_SEA.has(up));
}

// Positions as operators write them: decimal degrees, degrees-minutes (and seconds), MGRS.
// Also distances and the small spherical helpers the map needs.

import { fromMgrs, GeoError, looksLikeMgrs, toMgrs } from './mgrs.js';

export { GeoError, fromMgrs, toMgrs };

const NUM = /[-+]?\d+(?:[.,]\d+)?/g;

/**
 * Parse one angle: "46.912", "-30.418", "46.912N", "N46 54.72", "46°54.72'N", "030 25 04.8 W".
 * kind 'lat' accepts N/S (С/Ю), 'lon' E/W (В/З). The range is NOT checked here: the node checks
 * it and says so at the field. Throws GeoError('geo.angle_syntax') when it cannot be read.
 */
export function parseAngle(text, kind) {
  let v = String(text || '').trim().toUpperCase();
  if (!v) throw new GeoError('geo.empty');
  const hemis = kind === 'lat' ? { N: 1, S: -1, С: 1, Ю: -1 } : { E: 1, W: -1, В: 1, З: -1 };
  let sign = 1;
  const letters = v.match(/[A-ZА-Я]/g) || [];
  if (letters.length > 1) throw new GeoError('geo.angle_syntax');
  if (letters.length === 1) {
    if (!(letters[0] in hemis)) throw new GeoError('geo.angle_hemisphere');
    sign = hemis[letters[0]];
    v = v.replace(letters[0], ' ');
  }
  if (/[^0-9\s.,°'"′″+-]/.test(v)) throw new GeoError('geo.angle_syntax');
  const parts = (v.match(NUM) || []).map((p) => p.replace(',', '.'));
  if (!parts.length || parts.length > 3) throw new GeoError('geo.angle_syntax');
  const negative = parts[0].startsWith('-');
  if (negative && letters.length) throw new GeoError('geo.angle_syntax');
  const nums = parts.map((p) => Math.abs(Number(p)));
  if (parts.slice(1).some((p) => /^[-+]/.test(p))) throw new GeoError('geo.angle_syntax');
  if (nums.length > 1 && !Number.isInteger(nums[0])) throw new GeoError('geo.angle_syntax');
  if (nums.length > 2 && !Number.isInteger(nums[1])) throw new GeoError('geo.angle_syntax');
  if (nums.slice(1).some((x) => x >= 60)) throw new GeoError('geo.angle_minutes');
  const value = nums[0] + (nums[1] || 0) / 60 + (nums[2] || 0) / 3600;
  return (negative ? -1 : 1) * sign * value;
}

const round = (x, digits) => Number(x.toFixed(digits));

/** A parsed position rounded to what the notation can carry (never finer than 1e-6°). */
export function normalise(lat, lon) {
  return { lat: round(lat, 6), lon: round(lon, 6) };
}

/**
 * Parse a whole position on one line: "46.912, -30.418", "46 54.72 N 030 25.08 W",
 * "N46 54.72 W030 25.08", "46.912N 30.418W", "46,912; -30,418" or an MGRS reference.
 * Returns {lat, lon}; throws GeoError when the text cannot be read.
 */
export function parsePosition(text) {
  const v = String(text || '').trim();
  if (!v) throw new GeoError('geo.empty');
  if (looksLikeMgrs(v)) {
    const { lat, lon } = fromMgrs(v);
    return normalise(lat, lon);
  }
  let groups = v.split(/\s*[;/]\s*|,\s+/).filter(Boolean);
  if (groups.length !== 2) {
    const tokens = v.toUpperCase().replace(/[°'"′″]/g, ' ').match(/[A-ZА-Я]|[-+]?\d+(?:[.,]\d+)?/g) || [];
    const letters = tokens.map((tok, i) => (/^[A-ZА-Я]$/.test(tok) ? i : -1)).filter((i) => i >= 0);
    let cut;
    if (letters.length === 2) cut = letters[0] === 0 ? letters[1] : letters[0] + 1;
    else if (letters.length === 0 && tokens.length % 2 === 0) cut = tokens.length / 2;
    else throw new GeoError('geo.position_syntax');
    groups = [tokens.slice(0, cut).join(' '), tokens.slice(cut).join(' ')];
  }
  const lat = parseAngle(groups[0], 'lat');
  const lon = parseAngle(groups[1], 'lon');
  return normalise(lat, lon);
}

const pad = (n, w) => String(n).padStart(w, '0');

/** Decimal degrees with hemisphere letters: 46.91200°N 030.41800°W. */
export function formatDD(lat, lon, digits = 5) {
  const la = `${Math.abs(lat).toFixed(digits)}°${lat < 0 ? 'S' : 'N'}`;
  const lo = `${pad(Math.abs(lon).toFixed(digits), digits + 4)}°${lon < 0 ? 'W' : 'E'}`;
  return `${la} ${lo}`;
}

function dm(value, degWidth, digits) {
  const abs = Math.abs(value);
  let d = Math.floor(abs);
  let m = Number(((abs - d) * 60).toFixed(digits));
  if (m >= 60) {
    d += 1;
    m = 0;
  }
  return `${pad(d, degWidth)}°${pad(m.toFixed(digits), digits + 3)}′`;
}

/** One angle in degrees-minutes: "46 54.720" style parts for inputs (no symbols). */
export function angleDM(value, kind, digits = 3) {
  const text = dm(value, kind === 'lat' ? 2 : 3, digits).replace('°', ' ').replace('′', '');
  const hemi = kind === 'lat' ? (value < 0 ? 'S' : 'N') : (value < 0 ? 'W' : 'E');
  return `${text} ${hemi}`;
}

/** Degrees and decimal minutes: 46°54.720′N 030°25.080′W. */
export function formatDM(lat, lon, digits = 3) {
  return `${dm(lat, 2, digits)}${lat < 0 ? 'S' : 'N'} ${dm(lon, 3, digits)}${lon < 0 ? 'W' : 'E'}`;
}

/** MGRS or a placeholder when outside its range. */
export function formatMgrs(lat, lon, precision = 5) {
  try {
    return toMgrs(lat, lon, precision);
  } catch {
    return '—';
  }
}

// distances --------------------------------------------------------------------------------
export const METRES = { NM: 1852, km: 1000, m: 1 };
export const EARTH_RADIUS = 6371008.8;

export function toMetres(distance) {
  return distance ? distance.value * (METRES[distance.unit] || 1) : 0;
}

/** The point at `distance` metres from (lat, lon) on `bearing` degrees (great circle). */
export function destination(lat, lon, bearing, distance) {
  const d = distance / EARTH_RADIUS;
  const th = (bearing * Math.PI) / 180;
  const p1 = (lat * Math.PI) / 180;
  const l1 = (lon * Math.PI) / 180;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(d) + Math.cos(p1) * Math.sin(d) * Math.cos(th));
  const l2 = l1 + Math.atan2(Math.sin(th) * Math.sin(d) * Math.cos(p1), Math.cos(d) - Math.sin(p1) * Math.sin(p2));
  return { lat: (p2 * 180) / Math.PI, lon: ((((l2 * 180) / Math.PI + 540) % 360) - 180) };
}

/** A circle of `radius` metres as a closed ring of positions. */
export function circleRing(centre, radius, steps = 72) {
  const ring = [];
  for (let i = 0; i <= steps; i += 1) ring.push(destination(centre.lat, centre.lon, (i * 360) / steps, radius));
  return ring;
}

// UTM and MGRS on WGS 84: Krüger series to the sixth order of n (accurate to well under a
// millimetre within a zone). MGRS covers latitudes 80°S to 84°N (the UPS polar caps are not
// supported). Zones follow the Norway and Svalbard exceptions.

const A_AXIS = 6378137;
const F = 1 / 298.257223563;
const K0 = 0.9996;
const E = Math.sqrt(F * (2 - F));
const N = F / (2 - F);
const N2 = N * N;
const N3 = N2 * N;
const N4 = N3 * N;
const N5 = N4 * N;
const N6 = N5 * N;
const A = (A_AXIS / (1 + N)) * (1 + N2 / 4 + N4 / 64 + N6 / 256);

const ALPHA = [
  0,
  N / 2 - (2 / 3) * N2 + (5 / 16) * N3 + (41 / 180) * N4 - (127 / 288) * N5 + (7891 / 37800) * N6,
  (13 / 48) * N2 - (3 / 5) * N3 + (557 / 1440) * N4 + (281 / 630) * N5 - (1983433 / 1935360) * N6,
  (61 / 240) * N3 - (103 / 140) * N4 + (15061 / 26880) * N5 + (167603 / 181440) * N6,
  (49561 / 161280) * N4 - (179 / 168) * N5 + (6601661 / 7257600) * N6,
  (34729 / 80640) * N5 - (3418889 / 1995840) * N6,
  (212378941 / 319334400) * N6,
];
const BETA = [
  0,
  N / 2 - (2 / 3) * N2 + (37 / 96) * N3 - (1 / 360) * N4 - (81 / 512) * N5 + (96199 / 604800) * N6,
  (1 / 48) * N2 + (1 / 15) * N3 - (437 / 1440) * N4 + (46 / 105) * N5 - (1118711 / 3870720) * N6,
  (17 / 480) * N3 - (37 / 840) * N4 - (209 / 4480) * N5 + (5569 / 90720) * N6,
  (4397 / 161280) * N4 - (11 / 504) * N5 - (830251 / 7257600) * N6,
  (4583 / 161280) * N5 - (108847 / 3991680) * N6,
  (20648693 / 638668800) * N6,
];

const BANDS = 'CDEFGHJKLMNPQRSTUVWX';
const COLUMN_SETS = ['STUVWXYZ', 'ABCDEFGH', 'JKLMNPQR']; // by zone % 3
const ROWS = 'ABCDEFGHJKLMNPQRSTUV';
const RAD = Math.PI / 180;

export class GeoError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/** The UTM zone of a position, with the Norway and Svalbard exceptions. */
export function utmZone(lat, lon) {
  let lonN = ((((lon + 180) % 360) + 360) % 360) - 180;
  if (lon === 180) lonN = 180;
  let zone = Math.floor((lonN + 180) / 6) + 1;
  if (zone > 60) zone = 60;
  if (lat >= 56 && lat < 64 && lonN >= 3 && lonN < 12) zone = 32;
  if (lat >= 72 && lat <= 84 && lonN >= 0) {
    if (lonN < 9) zone = 31;
    else if (lonN < 21) zone = 33;
    else if (lonN < 33) zone = 35;
    else if (lonN < 42) zone = 37;
  }
  return zone;
}

/** The MGRS latitude band letter (80°S..84°N). */
export function latBand(lat) {
  if (lat < -80 || lat > 84) throw new GeoError('geo.mgrs_polar');
  return BANDS[Math.min(19, Math.floor((lat + 80) / 8))];
}

/** Geodetic → UTM: {zone, hemisphere 'N'|'S', easting, northing} (metres). */
export function toUtm(lat, lon, zone = utmZone(lat, lon)) {
  if (!(lat >= -80 && lat <= 84)) throw new GeoError('geo.utm_range');
  const lon0 = ((zone - 1) * 6 - 180 + 3) * RAD;
  const phi = lat * RAD;
  const lambda = lon * RAD - lon0;
  const cosL = Math.cos(lambda);
  const sinL = Math.sin(lambda);
  const tau = Math.tan(phi);
  const sigma = Math.sinh(E * Math.atanh((E * tau) / Math.sqrt(1 + tau * tau)));
  const tauP = tau * Math.sqrt(1 + sigma * sigma) - sigma * Math.sqrt(1 + tau * tau);
  const xiP = Math.atan2(tauP, cosL);
  const etaP = Math.asinh(sinL / Math.sqrt(tauP * tauP + cosL * cosL));
  let xi = xiP;
  let eta = etaP;
  for (let j = 1; j <= 6; j += 1) {
    xi += ALPHA[j] * Math.sin(2 * j * xiP) * Math.cosh(2 * j * etaP);
    eta += ALPHA[j] * Math.cos(2 * j * xiP) * Math.sinh(2 * j * etaP);
  }
  const easting = K0 * A * eta + 500000;
  let northing = K0 * A * xi;
  const hemisphere = lat >= 0 ? 'N' : 'S';
  if (hemisphere === 'S') northing += 10000000;
  return { zone, hemisphere, easting, northing };
}

/** UTM → geodetic {lat, lon} in degrees. */
export function fromUtm(zone, hemisphere, easting, northing) {
  const x = easting - 500000;
  const y = hemisphere === 'S' ? northing - 10000000 : northing;
  const eta = x / (K0 * A);
  const xi = y / (K0 * A);
  let xiP = xi;
  let etaP = eta;
  for (let j = 1; j <= 6; j += 1) {
    xiP -= BETA[j] * Math.sin(2 * j * xi) * Math.cosh(2 * j * eta);
    etaP -= BETA[j] * Math.cos(2 * j * xi) * Math.sinh(2 * j * eta);
  }
  const sinhEtaP = Math.sinh(etaP);
  const sinXiP = Math.sin(xiP);
  const cosXiP = Math.cos(xiP);
  const tauP = sinXiP / Math.sqrt(sinhEtaP * sinhEtaP + cosXiP * cosXiP);
  let tau = tauP;
  for (let i = 0; i < 20; i += 1) {
    const sigma = Math.sinh(E * Math.atanh((E * tau) / Math.sqrt(1 + tau * tau)));
    const tauI = tau * Math.sqrt(1 + sigma * sigma) - sigma * Math.sqrt(1 + tau * tau);
    const delta = ((tauP - tauI) / Math.sqrt(1 + tauI * tauI)) * ((1 + (1 - E * E) * tau * tau) / ((1 - E * E) * Math.sqrt(1 + tau * tau)));
    tau += delta;
    if (Math.abs(delta) < 1e-12) break;
  }
  const lon0 = ((zone - 1) * 6 - 180 + 3) * RAD;
  const lat = Math.atan(tau) / RAD;
  const lon = (Math.atan2(sinhEtaP, cosXiP) + lon0) / RAD;
  return { lat, lon: ((((lon + 180) % 360) + 360) % 360) - 180 };
}

/** Geodetic → MGRS, e.g. "25T FM 96615 98621" (precision: digits per axis, 0..5). */
export function toMgrs(lat, lon, precision = 5) {
  const band = latBand(lat);
  const { zone, easting, northing } = toUtm(lat, lon);
  const col = Math.floor(easting / 100000);
  const row = Math.floor(northing / 100000) % 20;
  const colLetter = COLUMN_SETS[zone % 3][col - 1];
  const rowLetter = ROWS[(row + (zone % 2 === 0 ? 5 : 0)) % 20];
  const div = 10 ** (5 - precision);
  const e = Math.floor((easting % 100000) / div);
  const n = Math.floor((northing % 100000) / div);
  const digits = precision ? ` ${String(e).padStart(precision, '0')} ${String(n).padStart(precision, '0')}` : '';
  return `${String(zone).padStart(2, '0')}${band} ${colLetter}${rowLetter}${digits}`;
}

const MGRS_RE = /^(\d{1,2})\s*([C-HJ-NP-X])\s*([A-HJ-NP-Z])\s*([A-HJ-NP-V])\s*(\d*)\s*(\d*)$/;

/** Whether a text looks like an MGRS reference (so a parser can choose it). */
export function looksLikeMgrs(text) {
  return MGRS_RE.test(String(text).trim().toUpperCase());
}

/**
 * MGRS → {lat, lon, precision (metres)}: the centre of the referenced square. Accepts spaces
 * anywhere between parts: "25TFM9661598621", "25T FM 96615 98621", "4QFJ1234 5678".
 */
export function fromMgrs(text) {
  const m = String(text).trim().toUpperCase().match(MGRS_RE);
  if (!m) throw new GeoError('geo.mgrs_syntax');
  const zone = Number(m[1]);
  if (zone < 1 || zone > 60) throw new GeoError('geo.mgrs_zone');
  const band = m[2];
  let digits = m[5] + m[6];
  if (m[6] && m[5].length !== m[6].length) throw new GeoError('geo.mgrs_digits');
  if (digits.length % 2 || digits.length > 10) throw new GeoError('geo.mgrs_digits');
  const half = digits.length / 2;
  const unit = 10 ** (5 - half);
  const e = half ? Number(digits.slice(0, half)) * unit : 0;
  const n = half ? Number(digits.slice(half)) * unit : 0;
  const col = COLUMN_SETS[zone % 3].indexOf(m[3]);
  if (col < 0) throw new GeoError('geo.mgrs_square');
  const rowIndex = (ROWS.indexOf(m[4]) - (zone % 2 === 0 ? 5 : 0) + 20) % 20;
  const easting = (col + 1) * 100000 + e + unit / 2;
  const bandIndex = BANDS.indexOf(band);
  const bandLat = -80 + bandIndex * 8;
  const hemisphere = band >= 'N' ? 'N' : 'S';
  // the 100 km row letters repeat every 2000 km: add 2000 km blocks until inside the band
  const bandNorthing = Math.floor(toUtm(bandLat, (zone - 1) * 6 - 180 + 3, zone).northing / 100000) * 100000;
  let northing = rowIndex * 100000 + n + unit / 2;
  while (northing < bandNorthing) northing += 2000000;
  const { lat, lon } = fromUtm(zone, hemisphere, easting, northing);
  const top = bandIndex === 19 ? 84 : bandLat + 8;
  if (lat < bandLat - 0.5 || lat > top + 0.5) throw new GeoError('geo.mgrs_band');
  return { lat, lon, precision: unit };
}

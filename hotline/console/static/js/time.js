// Times in UTC (Zulu): date-time groups, parsing what an operator types, short forms.

import { t } from './i18n.js';

export const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

const pad = (n, w = 2) => String(n).padStart(w, '0');

export class TimeError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

/** Date-time group: DDHHMMZMONYY, e.g. 241530ZNOV26. */
export function dtg(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z${MONTHS[d.getUTCMonth()]}${pad(d.getUTCFullYear() % 100)}`;
}

/** ISO-like Zulu time: 2026-11-24 15:30Z (seconds when not zero and asked for). */
export function zulu(ms, seconds = false) {
  const d = new Date(ms);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return seconds ? `${base}:${pad(d.getUTCSeconds())}Z` : `${base}Z`;
}

/** Hours and minutes: 1530Z. */
export function hhmmz(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
}

/** Clock with seconds: 15:30:07Z. */
export function clock(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

/** A duration in ms in the operator's language: "1h 05m", "4m 30s", "12s" ("1 ч 05 мин"). */
export function duration(ms) {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return t('time.hm', { h, m: pad(m) });
  if (m) return t('time.ms', { m, s: pad(s) });
  return t('time.s', { s });
}

function utc(y, mo, d, h, mi, s = 0) {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) throw new TimeError('time.invalid');
  const ms = Date.UTC(y, mo, d, h, mi, s);
  if (new Date(ms).getUTCDate() !== d) throw new TimeError('time.invalid');
  return ms;
}

/**
 * Parse a time typed by an operator, in UTC. Accepted:
 *   241530ZNOV26 (DTG; spaces allowed; year 2 or 4 digits)
 *   2026-11-24 15:30[:SS][Z] or 2026-11-24T15:30Z
 *   1530Z or 15:30Z (today, UTC)
 *   now, +30m, +2h, +1d, -10m (relative to now)
 * Throws TimeError('time.invalid') otherwise.
 */
export function parseTime(text, now = Date.now()) {
  const v = String(text || '').trim().toUpperCase();
  if (!v) throw new TimeError('time.empty');
  if (v === 'NOW' || v === 'СЕЙЧАС') return Math.floor(now / 1000) * 1000;
  let m = v.match(/^([+-])\s*(\d+(?:\.\d+)?)\s*([MHD])$/);
  if (m) {
    const unit = { M: 60_000, H: 3_600_000, D: 86_400_000 }[m[3]];
    const delta = Math.round(Number(m[2]) * unit);
    return Math.floor(now / 60_000) * 60_000 + (m[1] === '-' ? -delta : delta);
  }
  m = v.match(/^(\d{2})\s*(\d{2})\s*(\d{2})\s*Z?\s*([A-Z]{3})\s*(\d{2}|\d{4})$/);
  if (m) {
    const mo = MONTHS.indexOf(m[4]);
    if (mo < 0) throw new TimeError('time.invalid');
    const year = m[5].length === 2 ? 2000 + Number(m[5]) : Number(m[5]);
    return utc(year, mo, Number(m[1]), Number(m[2]), Number(m[3]));
  }
  m = v.match(/^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):?(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*Z?$/);
  if (m) return utc(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] || 0));
  m = v.match(/^(\d{2}):?(\d{2})\s*Z$/);
  if (m) {
    const d = new Date(now);
    return utc(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), Number(m[1]), Number(m[2]));
  }
  throw new TimeError('time.invalid');
}

// Notices rendered from their fields into the operator's language. Enumerations are translated;
// free text (remarks, liaison text, reasons) is shown as written, tagged with its language.

import { h } from './dom.js';
import { formatDM, formatMgrs } from './geo/coords.js';
import { t, tEnum } from './i18n.js';
import { dtg, hhmmz } from './time.js';

export function altitude(a) {
  if (!a) return '';
  if (a.reference === 'SFC') return `SFC (${t('notice.sfc')})`;
  if (a.unit === 'FL') return `FL${String(a.value).padStart(3, '0')}`;
  return `${a.value} ${tEnum('AltitudeUnit', a.unit)} ${a.reference}`;
}

export function distance(d) {
  return d ? `${d.value} ${tEnum('DistanceUnit', d.unit)}` : '';
}

export function block(vb) {
  return vb ? t('notice.block', { lower: altitude(vb.lower), upper: altitude(vb.upper) }) : '';
}

export function window_(w) {
  return w ? t('notice.window', { start: dtg(w.start), end: dtg(w.end) }) : '';
}

export function position(p) {
  return p ? formatDM(p.lat, p.lon) : '';
}

export function enums(name, values) {
  return (values || []).map((v) => tEnum(name, v)).join(', ');
}

/** "alpha #3" for a Reference, a {side, index} key, or an item. */
export function refText(store, ref) {
  if (!ref) return '';
  const side = ref.side ?? store?.sideOfOrigin(ref.origin) ?? ref.origin;
  return t('board.index', { side, index: ref.index });
}

/** Free text as written, with its language (when known) as a visible tag. */
export function freeText(text, language) {
  const tag = language ? t('notice.language_tag', { tag: language }) : t('notice.as_written');
  return h('span', { class: 'free-text' }, h('q', { lang: language || undefined, class: 'as-written' }, text), ' ', h('span', { class: 'lang-tag' }, tag));
}

/** The one-line summary of a notice in the operator's language. */
export function summary(item, store) {
  const n = item.notice;
  switch (n.kind) {
    case 'planned_operation':
      return [n.operation_ref, tEnum('Activity', n.activity), t('notice.areas', { count: n.areas.length }), block(n.vertical_block), window_(n.window)].join(' · ');
    case 'aircraft_in_distress':
      return [`${n.aircraft.callsign}${n.aircraft.type ? ` (${n.aircraft.type})` : ''}`, tEnum('Phase', n.phase), enums('Nature', n.nature), position(n.last_position)].join(' · ');
    case 'downed_pilot': {
      const last = n.positions[n.positions.length - 1];
      const statuses = [...new Set(n.crew.map((c) => tEnum('CrewStatus', c.status)))].join(', ');
      return [n.aircraft_callsign, t('notice.crew', { count: n.crew_count }), statuses, position(last)].join(' · ');
    }
    case 'liaison': {
      const text = n.text.length > 140 ? `${n.text.slice(0, 139)}…` : n.text;
      return n.conflict ? `${t('conflict.handled_summary', { refs: (n.regarding || []).map((r) => refText(store, r)).join(' / ') })}: ${text}` : text;
    }
    case 'ack':
      return [tEnum('Response', n.response), t('notice.to', { ref: refText(store, n.ref) })].join(' ');
    case 'cancel':
      return [t('notice.to', { ref: refText(store, n.ref) }), tEnum('CancelReason', n.reason)].join(' · ');
    default:
      return n.kind;
  }
}

/** A short label for alarms and lists: kind and the main identifier. */
export function title(item) {
  const n = item.notice;
  const kind = tEnum('Kind', n.kind);
  const ident = { planned_operation: n.operation_ref, aircraft_in_distress: n.aircraft?.callsign, downed_pilot: n.aircraft_callsign }[n.kind];
  return ident ? `${kind} ${ident}` : kind;
}

// details: rows of [label, value] -----------------------------------------------------------

function row(labelKey, value) {
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length)) return null;
  return [t(labelKey), value];
}

function positionValue(p) {
  return `${formatDM(p.lat, p.lon)} · ${formatMgrs(p.lat, p.lon)}`;
}

function contactRows(c) {
  if (!c) return [];
  return [row('field.point_of_contact', [c.role, c.phone, c.frequency_mhz ? `${c.frequency_mhz} MHz` : ''].filter(Boolean).join(' · '))];
}

function areaText(area) {
  switch (area.shape) {
    case 'polygon':
      return `${tEnum('Shape', 'polygon')}: ${area.points.slice(0, -1).map((p) => formatDM(p.lat, p.lon)).join('; ')}`;
    case 'circle':
      return `${tEnum('Shape', 'circle')}: ${formatDM(area.centre.lat, area.centre.lon)}, ${t('notice.by_radius', { radius: distance(area.radius) })}`;
    case 'corridor':
      return `${tEnum('Shape', 'corridor')}: ${area.centreline.map((p) => formatDM(p.lat, p.lon)).join(' → ')}, ${t('notice.half_width', { width: distance(area.half_width) })}`;
    default:
      return area.shape;
  }
}

function kindRows(n, store, ref) {
  switch (n.kind) {
    case 'planned_operation':
      return [
        row('field.operation_ref', n.operation_ref),
        row('field.activity', tEnum('Activity', n.activity)),
        ...n.areas.map((a, i) => [t('field.area', { n: i + 1 }), areaText(a)]),
        row('field.vertical_block', block(n.vertical_block)),
        row('field.window', window_(n.window)),
        row('field.callsigns', (n.callsigns || []).join(', ')),
        row('field.aircraft_count', n.aircraft_count),
        row('field.aircraft_type', n.aircraft_type),
        row('field.air_to_air_frequency_mhz', n.air_to_air_frequency_mhz),
        ...contactRows(n.point_of_contact),
        row('field.remarks', n.remarks && freeText(n.remarks)),
      ];
    case 'aircraft_in_distress': {
      const lp = n.last_position;
      const a = n.aircraft;
      return [
        row('field.phase', tEnum('Phase', n.phase)),
        row('field.nature', enums('Nature', n.nature)),
        row('field.aircraft', [a.callsign, a.type, a.nationality, a.transponder_code && `SQ ${a.transponder_code}`, a.icao_address].filter(Boolean).join(' · ')),
        row('field.last_position', `${positionValue(lp)} · ${t('notice.uncertainty', { value: `${lp.uncertainty_m} m` })} · ${dtg(lp.time)} · ${tEnum('FixSource', lp.source)}`),
        row('field.altitude', altitude(lp.altitude)),
        row('field.heading_deg', lp.heading_deg),
        row('field.ground_speed_kt', lp.ground_speed_kt),
        row('field.persons_on_board', n.persons_on_board),
        row('field.endurance_minutes', n.endurance_minutes),
        row('field.intentions', enums('Intention', n.intentions)),
        row('field.assistance_requested', enums('Assistance', n.assistance_requested)),
        n.last_contact && row('field.last_contact', [n.last_contact.unit, n.last_contact.frequency_mhz && `${n.last_contact.frequency_mhz} MHz`, dtg(n.last_contact.time)].filter(Boolean).join(' · ')),
        row('field.actions_taken', enums('ActionTaken', n.actions_taken)),
      ];
    }
    case 'downed_pilot': {
      const m = n.requested_measures || {};
      return [
        n.distress_ref && row('field.distress_ref', ref(n.distress_ref)),
        row('field.aircraft_callsign', n.aircraft_callsign),
        row('field.crew_count', n.crew_count),
        ...n.crew.map((c) => [t('field.crew_member', { n: c.number }), [tEnum('CrewStatus', c.status), tEnum('Injuries', c.injuries || 'unknown')].join(' · ')]),
        ...n.positions.map((p, i) => [t('field.survivor_position', { n: i + 1 }), `${positionValue(p)} · ${t('notice.uncertainty', { value: `${p.uncertainty_m} m` })} · ${dtg(p.time)} · ${tEnum('LocationSource', p.source)}`]),
        row('field.beacon_id', n.beacon_id),
        row('field.survival_frequencies_mhz', (n.survival_frequencies_mhz || []).join(', ')),
        row('field.listening_windows', (n.listening_windows || []).map(window_).join('; ')),
        row('field.hazards', enums('Hazard', n.hazards)),
        m.sar_corridor && row('field.sar_corridor', `${areaText(m.sar_corridor.area)} · ${block(m.sar_corridor.vertical_block)} · ${window_(m.sar_corridor.window)}`),
        m.hold_fire && row('field.hold_fire', [formatDM(m.hold_fire.centre.lat, m.hold_fire.centre.lon), t('notice.by_radius', { radius: distance(m.hold_fire.radius) }), m.hold_fire.window && window_(m.hold_fire.window)].filter(Boolean).join(' · ')),
        row('field.authentication_ref', n.authentication_ref),
        ...contactRows(n.point_of_contact),
      ];
    }
    case 'liaison':
      return [
        row('field.text', freeText(n.text, n.language)),
        row('field.regarding', (n.regarding || []).map((r, i) => [i ? ', ' : '', ref(r)])),
        row('field.conflict', n.conflict),
      ];
    case 'ack':
      return [
        row('field.ref', ref(n.ref)),
        row('field.response', `${tEnum('Response', n.response)} — ${tEnum('ResponseMeaning', n.response)}`),
        row('field.reason', n.reason && freeText(n.reason)),
        row('field.remark', n.remark && freeText(n.remark)),
      ];
    case 'cancel':
      return [row('field.ref', ref(n.ref)), row('field.reason', tEnum('CancelReason', n.reason)), row('field.remark', n.remark && freeText(n.remark))];
    default:
      return [];
  }
}

/** Every field of the notice as [label, value] rows (value: text or a node); `link(ref)`, when
 * given, draws a reference to another notice (e.g. as a button that opens it). */
export function details(item, store, link) {
  const ref = (r) => (link ? link(r) : refText(store, r));
  const n = item.notice;
  const rows = [
    row('field.kind', tEnum('Kind', n.kind)),
    row('field.precedence', tEnum('Precedence', n.precedence || item.precedence)),
    row('field.status', tEnum('Status', n.status)),
    row('field.author', t('notice.from', { unit: n.author.unit, nation: n.author.nation, author: n.author.id })),
    row('field.time', `${dtg(n.time)} (${hhmmz(n.time)})`),
    row('field.expires', n.expires && dtg(n.expires)),
    n.supersedes && row('field.supersedes', ref(n.supersedes)),
    ...kindRows(n, store, ref),
  ];
  return rows.filter(Boolean);
}

/** An answer as a chip: ROGER and WILCO (they comply) apart from UNABLE and NEGATIVE (they do
 * not), by class and colour, wherever an answer is shown. */
export function responseChip(response) {
  const negative = response === 'UNABLE' || response === 'NEGATIVE';
  return h(
    'span',
    { class: ['chip', 'response', `response-${response}`, negative ? 'response-negative' : 'response-positive'], 'data-response-chip': response, title: tEnum('ResponseMeaning', response) },
    negative ? `✗ ${response}` : `✓ ${response}`,
  );
}

/** A label whose {placeholders} may be nodes: the text around them, and the nodes in place. */
export function fill(key, params) {
  return t(key)
    .split(/(\{\w+\})/)
    .filter((part) => part !== '')
    .map((part) => {
      const m = /^\{(\w+)\}$/.exec(part);
      return m && m[1] in params ? params[m[1]] : part;
    })
    .map((v) => (typeof v === 'number' ? String(v) : v));
}

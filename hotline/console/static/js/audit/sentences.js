// The report of the line (GET /v1/audit/report, PROTOCOL.md "The report of a dispute") told in
// sentences in the operator's language: the verdict, one sentence per notice, the outages, the
// implausible times and the refused input. Every sentence is built from the report's fields with
// the templates of i18n (audit.report.*); the English phrases the report carries for the command
// line (`summary`) are never shown. Times are UTC: the first time of a sentence in full
// (2026-11-24 15:30:07Z), later ones of the same day as 15:31:02Z.

import { lang, t, tEnum } from '../i18n.js';
import { block, enums, position, window_ } from '../render.js';
import { clock, zulu } from '../time.js';

const CHECKS = new Set(['format', 'keys', 'entries', 'checkpoints', 'cosignatures', 'consistency', 'forks', 'references', 'evidence', 'cards', 'across', 'agreement', 'truncated']);
const ACK_STATES = new Set(['overdue', 'pending', 'withdrawn', 'undelivered', 'undecided']);

/** Times of one sentence: the first in full, later ones of the same day as HH:MM:SSZ. */
export function stamps() {
  let day = null;
  return (ms) => {
    if (ms === null || ms === undefined || !Number.isFinite(ms)) return t('app.none');
    const full = zulu(ms, true);
    const date = full.slice(0, 10);
    if (date === day) return clock(ms);
    day = date;
    return full;
  };
}

function number(value, digits = 0) {
  return new Intl.NumberFormat(lang(), { maximumFractionDigits: digits }).format(value);
}

/** A duration in the operator's language: "6 h", "1 h 30 min", "8 min 43 s", "2.5 s". */
export function span(ms) {
  if (ms < 60_000) return t('audit.report.seconds', { n: number(ms / 1000, 3) });
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts = [];
  if (h) parts.push(t('audit.report.hours', { n: number(h) }));
  if (m) parts.push(t('audit.report.minutes', { n: m }));
  if (s && !h) parts.push(t('audit.report.seconds', { n: s }));
  return parts.join(' ');
}

/** "alpha #3" (the console's own reference to an entry). */
export function ref(side, index) {
  return t('board.index', { side, index });
}

/** The side whose origin this is, for the references an ack or a cancel names. */
function sideOf(report, origin) {
  return (report.sides || []).find((s) => s.origin === origin)?.name ?? origin;
}

/** The other side of a feed: the one whose witness cosigns it. */
export function otherSide(report, side) {
  return (report.sides || []).find((s) => s.name !== side)?.name ?? t('audit.report.other_side');
}

function quoted(text) {
  const flat = String(text).split(/\s+/).join(' ').trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}

/** What the notice is, from its fields: "a planned operation OP-123 (air patrol; …)". */
export function what(report, r) {
  const f = r.fields || {};
  switch (r.kind) {
    case 'planned_operation': {
      const shapes = (f.areas || []).map((s) => tEnum('Shape', s)).join(', ');
      const details = [
        tEnum('Activity', f.activity),
        shapes && t('audit.report.areas', { shapes }),
        block(f.vertical_block),
        window_(f.window),
        (f.callsigns || []).join(', '),
      ].filter(Boolean);
      return t('audit.report.what.planned_operation', { ref: f.operation_ref, details: details.join('; ') });
    }
    case 'aircraft_in_distress': {
      const details = [tEnum('Phase', f.phase), enums('Nature', f.nature), f.last_position && t('audit.report.last_at', { position: position(f.last_position) })].filter(Boolean);
      return t('audit.report.what.aircraft_in_distress', { callsign: f.callsign, details: details.join('; ') });
    }
    case 'downed_pilot': {
      const positions = f.positions || [];
      const last = positions[positions.length - 1];
      const details = [t('notice.crew', { count: f.crew_count }), last && t('audit.report.last_at', { position: position(last) })].filter(Boolean);
      return t('audit.report.what.downed_pilot', { callsign: f.callsign, details: details.join('; ') });
    }
    case 'liaison': {
      const tag = f.language ? t('notice.language_tag', { tag: f.language }) : t('notice.as_written');
      return t('audit.report.what.liaison', { text: quoted(f.text ?? ''), tag });
    }
    case 'ack': {
      const target = r.acknowledges ? ref(r.acknowledges.side, r.acknowledges.index) : ref(sideOf(report, f.ref?.origin), f.ref?.index);
      const params = { response: tEnum('Response', f.response), ref: target, reason: f.reason && quoted(f.reason) };
      return t(f.reason ? 'audit.report.what.ack_reason' : 'audit.report.what.ack', params);
    }
    case 'cancel':
      return t('audit.report.what.cancel', { ref: ref(r.side, f.ref?.index), reason: tEnum('CancelReason', f.reason) });
    default:
      return t('audit.report.what.other', { kind: r.kind });
  }
}

/** When an entry was appended, as its witness bracketed it. */
function appended(bracket, stamp, prefix) {
  const { after, before } = bracket || {};
  if (after !== null && after !== undefined && before !== null && before !== undefined) {
    if (Math.floor(after / 1000) === Math.floor(before / 1000)) return t(`audit.report.${prefix}_within`, { time: stamp(after) });
    return t(`audit.report.${prefix}_between`, { after: stamp(after), before: stamp(before) });
  }
  if (before !== null && before !== undefined) return t(`audit.report.${prefix}_before`, { before: stamp(before) });
  if (after !== null && after !== undefined) return t(`audit.report.${prefix}_after`, { after: stamp(after) });
  return t(`audit.report.${prefix}_unwitnessed`);
}

/** "in time", "LATE", or undecided; '' when no deadline applies. */
export function inTime(value) {
  if (value === true) return t('audit.report.in_time');
  if (value === false) return t('audit.report.late');
  if (value === 'undecided') return t('audit.report.in_time_undecided');
  return '';
}

function acksClause(r, stamp) {
  const deadline = r.deadline ? ` ${t('audit.report.deadline', { precedence: tEnum('Precedence', r.deadline.precedence), duration: span(r.deadline.seconds * 1000) })}` : '';
  const acks = (r.acks || []).map((a) => {
    const parts = [
      t('audit.report.acked', {
        response: tEnum('Response', a.response),
        who: `${a.side}/${a.author}`,
        ref: ref(a.side, a.index),
        when: appended(a.appended, stamp, 'ack'),
      }),
    ];
    const verdict = inTime(a.in_time);
    if (verdict) parts.push(verdict);
    if (a.reason) parts.push(t('audit.report.reason', { reason: quoted(a.reason) }));
    return parts.join(', ');
  });
  if (acks.length) return acks.join('; ') + deadline;
  const state = ACK_STATES.has(r.ack_state) ? r.ack_state : 'none';
  return t(`audit.report.unacked_${state}`) + deadline;
}

/** One notice of the report as one sentence (and what updates or cancels it, after). */
export function noticeSentence(report, r) {
  const stamp = stamps();
  const name = ref(r.side, r.index);
  if (r.kind === null || r.kind === undefined) return t('audit.report.invalid', { ref: name, error: r.error ?? '' });
  const author = r.author || {};
  const other = otherSide(report, r.side);
  const parts = [
    t('audit.report.head', { ref: name, what: what(report, r) }),
    t('audit.report.author', {
      who: `${r.side}/${author.id}`,
      unit: author.unit,
      nation: author.nation,
      precedence: tEnum('Precedence', r.precedence),
      status: tEnum('Status', r.status),
    }),
    t('audit.report.claimed', { time: stamp(r.time) }),
    appended(r.appended, stamp, 'notice'),
    r.delivered ? t('audit.report.delivered', { other, time: stamp(r.delivered.at) }) : t('audit.report.undelivered', { other }),
  ];
  if (r.needs_ack || (r.acks && r.acks.length)) parts.push(acksClause(r, stamp));
  const extra = [];
  if (r.supersedes !== null && r.supersedes !== undefined) extra.push(t('audit.report.updates', { ref: ref(r.side, r.supersedes) }));
  if (r.cancels !== null && r.cancels !== undefined) extra.push(t('audit.report.cancels', { ref: ref(r.side, r.cancels) }));
  for (const i of r.superseded_by || []) extra.push(t('audit.report.superseded_by', { ref: ref(r.side, i) }));
  for (const i of r.cancelled_by || []) extra.push(t('audit.report.cancelled_by', { ref: ref(r.side, i) }));
  return [`${parts.join(', ')}.`, ...extra].join(' ');
}

/** A gap in a feed's cosignatures. */
export function outageSentence(o) {
  const stamp = stamps();
  const params = { feed: o.feed, witness: o.witness, from: stamp(o.from), to: stamp(o.to), duration: span(o.seconds * 1000) };
  return t(o.ongoing ? 'audit.report.outage_ongoing' : 'audit.report.outage', params);
}

/** A claimed time far outside its witnessed bracket. */
export function implausibleSentence(i) {
  const stamp = stamps();
  const params = { ref: ref(i.side, i.index), kind: tEnum('Kind', i.kind), time: stamp(i.time), duration: span(i.by_ms) };
  if (i.issue === 'ahead') return t('audit.report.ahead', { ...params, before: stamp(i.appended?.before) });
  return t('audit.report.late_claim', { ...params, after: stamp(i.appended?.after) });
}

/** Input a node refused, kept as evidence. */
export function evidenceSentence(e) {
  const stamp = stamps();
  return t('audit.report.refused', { time: stamp(e.time), export: e.export, source: e.source, reason: e.reason, detail: e.detail, bytes: number(e.bytes) });
}

/** A check's label (entries[bravo], alpha:entries[bravo]) in words. */
export function checkName(label) {
  const m = /^(?:([^:[\]]+):)?([a-z_]+)(?:\[([^\]]*)\])?$/.exec(label);
  if (!m || !CHECKS.has(m[2])) return label;
  const [, exported, name, side] = m;
  let text = t(`audit.report.check.${name}`);
  if (side !== undefined) text = t('audit.report.check_side', { check: text, side });
  if (exported === 'both') text = t('audit.report.check_both', { check: text });
  else if (exported) text = t('audit.report.check_export', { check: text, export: exported });
  return text;
}

/** The verdict in a sentence: what passed, what failed, which keys are not pinned. */
export function verdictSentence(verdict) {
  switch (verdict.result) {
    case 'PASS':
      return t('audit.report.pass');
    case 'UNPINNED':
      return t('audit.report.unpinned', { sides: (verdict.unpinned || []).join(', ') });
    default:
      if (!(verdict.failed || []).length) return t('audit.report.fail_unrun');
      return t('audit.report.fail', { checks: verdict.failed.map(checkName).join('; ') });
  }
}

/** One side's line: keys pinned or not, entries, deadlines and their source, its witness. */
export function sideSentence(side) {
  const pinned = { true: 'pinned', false: 'refuted', null: 'unpinned' }[String(side.pinned)] ?? 'unpinned';
  const deadlines = Object.entries(side.deadlines || {}).map(([p, s]) => `${tEnum('Precedence', p)} ${span(s * 1000)}`).join(', ');
  const source = ['card', 'card-defaults', 'export', 'defaults'].includes(side.deadlines_from) ? side.deadlines_from : 'defaults';
  return t('audit.report.side', {
    name: side.name,
    origin: side.origin,
    keys: t(`audit.report.keys_${pinned}`),
    fingerprint: side.fingerprint,
    entries: t(side.entries === 1 ? 'audit.report.entry_one' : 'audit.report.entry_many', { n: number(side.entries) }),
    deadlines,
    source: t(`audit.report.deadlines_${source}`),
    witness: side.witnessed_by,
  });
}

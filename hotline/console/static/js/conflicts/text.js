// Conflicts in words: type and certainty, the notices by reference or callsign, the common
// altitude band and time span of two operations, an emergency's distance from an operation.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { block, refText, title, window_ } from '../render.js';
import { dtg } from '../time.js';

const NM = 1852;

export const shortId = (conflict) => conflict.id.slice(0, 8);

export function typeText(conflict) {
  return t(`conflict.type_${conflict.type}`);
}

export function certaintyText(conflict) {
  return t(`conflict.certainty_${conflict.certainty}`);
}

/** "Planned operation OPS-7 (bravo #3)", or the reference alone while the notice is not held. */
export function noticeName(store, ref) {
  if (ref.index === null || ref.index === undefined) return t('conflict.this_notice');
  const item = store.get(ref.side, ref.index);
  return item ? `${title(item)} (${refText(store, ref)})` : refText(store, ref);
}

/** An emergency's distance from the operation's area, in NM and km. */
export function distanceText(overlap) {
  if (overlap.inside) return t('conflict.inside');
  if (!overlap.distance_m) return t('conflict.reaches');
  const nm = (overlap.distance_m / NM).toFixed(1);
  const km = (overlap.distance_m / 1000).toFixed(1);
  return t('conflict.distance_value', { nm, km });
}

/** What the two notices share, as [label, text] rows. */
export function overlapRows(conflict) {
  const o = conflict.overlap;
  if (conflict.type === 'operations') {
    return [
      [t('conflict.band'), block({ lower: o.lower, upper: o.upper })],
      [t('conflict.span'), window_({ start: o.start, end: o.end })],
    ];
  }
  return [[t('conflict.distance'), distanceText(o)]];
}

/** One line: "Operations conflict, certain · FL100 – FL200 · 121200Z… – …". */
export function overlapLine(conflict) {
  return [`${typeText(conflict)}, ${certaintyText(conflict)}`, ...overlapRows(conflict).map(([, text]) => text)].join(' · ');
}

/** The mark of a conflict's certainty and state: certain and possible look different. */
export function certaintyChip(conflict) {
  return h('span', { class: ['conflict-chip', `certainty-${conflict.certainty}`], 'data-certainty': conflict.certainty }, `⚠ ${certaintyText(conflict)}`);
}

export function stateChip(conflict) {
  return h('span', { class: ['chip', `conflict-${conflict.state}`], 'data-conflict-state': conflict.state }, t(`conflict.state_${conflict.state}`));
}

/** The badge on a notice's card: its open conflicts (the surest first), or that all were handled. */
export function badge(conflicts) {
  if (!conflicts.length) return null;
  const open = conflicts.filter((c) => c.state === 'open');
  if (!open.length) {
    return h('span', { class: 'conflict-badge handled', 'data-conflict-badge': 'handled' }, `✓ ${t('conflict.badge_handled')}`);
  }
  const certain = open.some((c) => c.certainty === 'certain');
  const certainty = certain ? 'certain' : 'possible';
  const count = open.length > 1 ? ` ×${open.length}` : '';
  return h(
    'span',
    { class: ['conflict-badge', `certainty-${certainty}`], 'data-conflict-badge': certainty, title: open.map(overlapLine).join('\n') },
    `⚠ ${t(`conflict.badge_${certainty}`)}${count}`,
  );
}

export function detectedText(conflict) {
  return conflict.detected_at ? dtg(conflict.detected_at) : '';
}

// The precedence a planned operation should go with, from how soon its window starts: the
// least urgent precedence whose acknowledgement deadline (the node's, by precedence) falls
// before the start, so the other side's answer is due before the operation begins; FLASH when
// none does. The form shows the suggestion and applies it unless the operator chose one.

import { h } from '../dom.js';
import { t, tEnum } from '../i18n.js';
import { duration, parseTime } from '../time.js';

const LEAST_URGENT_FIRST = ['ROUTINE', 'PRIORITY', 'IMMEDIATE', 'FLASH'];

/** The suggested precedence for a window starting at `startMs`, given the deadlines in seconds
 * ({FLASH, IMMEDIATE, PRIORITY, ROUTINE}). */
export function suggestPrecedence(startMs, nowMs, deadlines) {
  const lead = (startMs - nowMs) / 1000;
  return LEAST_URGENT_FIRST.find((p) => Number.isFinite(deadlines?.[p]) && deadlines[p] <= lead) || 'FLASH';
}

/** Follow the form's window start and its precedence select: suggest, and apply unless the
 * operator picked a precedence. Returns the hint element (placed under the precedence). */
export function attachSuggestion(formEl, session) {
  const select = formEl.querySelector("[data-path='precedence'] select");
  const start = formEl.querySelector("[data-path='window.start'] input");
  if (!select || !start) return null;
  const hint = h('p', { class: 'hint suggestion', 'aria-live': 'polite', 'data-suggested': '' });
  select.closest('.field').append(hint);
  let chosen = false;
  select.addEventListener('change', () => {
    chosen = true; // only the operator changes it: the suggestion sets the value silently
    update();
  });
  function update() {
    let startMs;
    try {
      startMs = parseTime(start.value);
    } catch {
      hint.textContent = '';
      hint.dataset.suggested = '';
      return;
    }
    const now = Date.now();
    const deadlines = session.deadlines || {};
    const suggested = suggestPrecedence(startMs, now, deadlines);
    hint.dataset.suggested = suggested;
    if (!chosen) select.value = suggested;
    const params = { precedence: tEnum('Precedence', suggested), when: t('time.in', { duration: duration(startMs - now) }), deadline: duration(deadlines[suggested] * 1000) };
    const text = startMs <= now ? t('forms.suggest_started', params) : t('forms.suggest', params);
    hint.textContent = `${text} ${chosen && select.value !== suggested ? t('forms.suggest_kept') : t('forms.suggest_applied')}`;
  }
  start.addEventListener('input', update);
  start.addEventListener('blur', update);
  update();
  return hint;
}

// The node's mode: on a node set up for an exercise (setting `mode = "exercise"`), a banner
// says EXERCISE on every view, always in view (fixed to the window's bottom edge), in the
// operator's language; forms then default to status "exercise" (forms/kinds.js).

import { h } from './dom.js';
import { onLangChange, t } from './i18n.js';

let banner = null;
let unsubscribe = null;

/** Show the banner when the session's node is in exercise mode (and remove any other). */
export function showMode(session) {
  clearMode();
  if (session?.mode !== 'exercise') return;
  banner = h('div', { id: 'exercise-banner', class: 'exercise-banner', role: 'status', 'data-mode': 'exercise' }, t('mode.exercise'));
  document.body.append(banner);
  document.body.classList.add('exercise-mode');
  unsubscribe = onLangChange(() => {
    if (banner) banner.textContent = t('mode.exercise');
  });
}

export function clearMode() {
  banner?.remove();
  banner = null;
  unsubscribe?.();
  unsubscribe = null;
  document.body.classList.remove('exercise-mode');
}

// The confirmation asked before an ACTUAL FLASH goes to the other coalition: a modal dialog
// (the browser's <dialog>, so focus stays inside and Escape closes it), whose default button
// is going back; only "Send ACTUAL FLASH" sends.

import { h, uid } from '../dom.js';
import { t } from '../i18n.js';

/** Whether a notice needs the confirmation: FLASH, status actual. */
export function needsConfirmation(notice) {
  return notice.precedence === 'FLASH' && (notice.status || 'actual') === 'actual';
}

/** Ask; resolves true to send, false to go back (nothing sent). */
export function confirmFlash(peer) {
  return new Promise((resolve) => {
    const titleId = uid('confirm');
    const textId = uid('confirm');
    const back = h('button', { type: 'button', class: 'primary', 'data-confirm': 'back' }, t('forms.confirm_back'));
    const send = h('button', { type: 'button', class: 'urgent', 'data-confirm': 'send' }, t('forms.confirm_send'));
    const dialog = h(
      'dialog',
      { class: 'confirm-flash', 'aria-labelledby': titleId, 'aria-describedby': textId, 'aria-modal': 'true' },
      h('h2', { id: titleId }, `⚠ ${t('forms.confirm_title', { peer: peer || t('forms.the_other_side') })}`),
      h('p', { id: textId }, t('forms.confirm_text')),
      h('div', { class: 'row' }, back, send),
    );
    let answer = false;
    back.addEventListener('click', () => dialog.close());
    send.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    back.focus();
  });
}

// Answering a notice of the other side: ROGER and WILCO in one click; UNABLE and NEGATIVE open a
// short form with a reason code from the protocol's list (in the operator's language) and text
// (required for UNABLE when no code is chosen). A cancelled or superseded notice, and a cancel,
// are only taken note of (ROGER, WILCO): refusing what is withdrawn means nothing.

import { ApiError } from './api.js';
import { ackNotice } from './actions.js';
import { announce, h } from './dom.js';
import { t, tEnum } from './i18n.js';
import { refText, title } from './render.js';

export const RESPONSES = ['ROGER', 'WILCO', 'UNABLE', 'NEGATIVE'];
export const REFUSALS = new Set(['UNABLE', 'NEGATIVE']);
export const REASON_CODES = ['weather', 'aircraft_unavailable', 'airspace_conflict', 'insufficient_information', 'operational_priority', 'outside_authority', 'other'];

/** The answers that make sense for this notice now. */
export function responsesFor(item) {
  const st = item.state || {};
  if (item.kind === 'cancel' || st.cancelled_by || st.superseded_by) return ['ROGER', 'WILCO'];
  return RESPONSES;
}

let forms = 0;

/** The answer buttons for `item` (a group, with its error line and the refusal form). */
export function ackButtons(ctx, item, label = title(item)) {
  const box = h('div', { class: 'ack-box' });
  const group = h('div', { class: 'ack-buttons', role: 'group', 'aria-label': `${t('ack.label')}: ${label}` });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  for (const response of responsesFor(item)) {
    const refusal = REFUSALS.has(response);
    group.append(
      h(
        'button',
        {
          type: 'button',
          class: `ack ack-${response}`,
          'data-response': response,
          title: t('ack.button', { response, meaning: tEnum('ResponseMeaning', response) }),
          onclick: () => (refusal ? openRefusal(ctx, item, response, box) : send(ctx, item, response, {}, box, error)),
        },
        refusal ? `${response}…` : response,
      ),
    );
  }
  box.append(group, error);
  return box;
}

function openRefusal(ctx, item, response, box) {
  box.querySelector('.unable-form')?.remove();
  forms += 1;
  const codeId = `reason-code-${forms}`;
  const textId = `reason-text-${forms}`;
  const code = h(
    'select',
    { id: codeId, name: 'reason_code', 'data-reason-code': '' },
    h('option', { value: '' }, t('ack.reason_code_none')),
    REASON_CODES.map((c) => h('option', { value: c }, tEnum('ReasonCode', c))),
  );
  const reason = h('textarea', { id: textId, name: 'reason', rows: 2, maxlength: 500 });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const form = h(
    'form',
    {
      class: 'unable-form',
      'data-response': response,
      onsubmit: (e) => {
        e.preventDefault();
        const extra = { reason_code: code.value || undefined, reason: reason.value.trim() || undefined };
        if (!extra.reason_code && !extra.reason) {
          error.textContent = t('ack.reason_needed');
          error.hidden = false;
          code.focus();
          return;
        }
        send(ctx, item, response, extra, box, error);
      },
    },
    h('label', { for: codeId }, t('ack.reason_code')),
    code,
    h('label', { for: textId }, t('ack.reason_text')),
    reason,
    error,
    h('div', { class: 'row' }, h('button', { type: 'submit', class: `ack ack-${response}` }, t('ack.send', { response })), h('button', { type: 'button', onclick: () => form.remove() }, t('app.cancel'))),
  );
  box.append(form);
  code.focus();
}

async function send(ctx, item, response, extra, box, error) {
  const buttons = box.querySelectorAll('button');
  buttons.forEach((b) => { b.disabled = true; });
  error.hidden = true;
  try {
    await ackNotice(ctx.api, item, response, extra);
    announce(t('ack.sent', { response, ref: refText(ctx.store, item) }));
    box.querySelector('.unable-form')?.remove();
  } catch (exc) {
    const problems = exc instanceof ApiError ? exc.problems : [];
    error.textContent = problems.length ? problems.map((p) => p.reason).join('; ') : exc instanceof ApiError ? t('error.generic', { code: exc.code, detail: typeof exc.detail === 'string' ? exc.detail : JSON.stringify(exc.detail) }) : String(exc);
    error.hidden = false;
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

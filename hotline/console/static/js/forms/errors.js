// A problem the node (or the checks before sending) reports, {path, code, params, reason}, said
// in the operator's language: the code's message with its parameters, else the node's English
// reason, else the code itself. A refusal without a path (a feed rule: duplicate_id,
// already_cancelled, time_out_of_range, ...) is said from its code the same way.

import { DICTIONARIES, lang, t } from '../i18n.js';

/** Whether the dictionaries say this code. */
export function knownCode(code) {
  const key = `code.${code}`;
  return Boolean(code) && (DICTIONARIES[lang()][key] !== undefined || DICTIONARIES.en[key] !== undefined);
}

/** The message of a problem in the current language. */
export function problemText(problem) {
  if (knownCode(problem.code)) return t(`code.${problem.code}`, problem.params || {});
  return problem.reason || problem.code || '';
}

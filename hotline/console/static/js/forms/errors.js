// A problem the node (or the checks before sending) reports, {path, code, params, reason}, said
// in the operator's language: the code's message with its parameters, else the node's English
// reason, else the code itself.

import { DICTIONARIES, lang, t } from '../i18n.js';

/** The message of a problem in the current language. */
export function problemText(problem) {
  const key = `code.${problem.code}`;
  if (problem.code && (DICTIONARIES[lang()][key] !== undefined || DICTIONARIES.en[key] !== undefined)) {
    return t(key, problem.params || {});
  }
  return problem.reason || problem.code || '';
}

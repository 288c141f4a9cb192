// What an operator does to notices, through the REST API (each action with its own
// idempotency key, so a retried click never appends twice).

import { actionKey } from './api.js';

const path = (item) => `/v1/notices/${encodeURIComponent(item.side)}/${item.index}`;

/** ROGER / WILCO / UNABLE / NEGATIVE to a notice of the other side (extra: reason_code,
 * reason, remark). */
export function ackNotice(api, item, response, extra = {}) {
  const body = { response };
  if (extra.reason_code) body.reason_code = extra.reason_code;
  if (extra.reason) body.reason = extra.reason;
  if (extra.remark) body.remark = extra.remark;
  return api.post(`${path(item)}/ack`, body, { 'Idempotency-Key': actionKey() });
}

/** Cancel a notice of the own side with a reason from the protocol's enumeration. */
export function cancelNotice(api, item, reason, remark, key = actionKey()) {
  const body = { reason };
  if (remark) body.remark = remark;
  return api.post(`${path(item)}/cancel`, body, { 'Idempotency-Key': key });
}

/** Post a new notice (or an update, when it has `supersedes`). */
export function postNotice(api, notice, key = actionKey()) {
  return api.post('/v1/notices', notice, { 'Idempotency-Key': key });
}

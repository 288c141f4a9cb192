// REST client: bearer token, JSON in and out, errors as {status, code, detail}.

import { saveBlob } from './dom.js';

export class ApiError extends Error {
  constructor(status, code, detail) {
    super(`${code}: ${typeof detail === 'string' ? detail : JSON.stringify(detail)}`);
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  /** Field problems [{path, reason}] when the node refused a body, else []. */
  get problems() {
    if (!Array.isArray(this.detail)) return [];
    return this.detail.filter((p) => p && typeof p.path === 'string');
  }
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

export class Api {
  /** onUnauthorized(code) is called once when the node answers 401 (token revoked or unknown). */
  constructor(token, onUnauthorized = () => {}) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async fetch(method, path, { body, params, headers } = {}) {
    const init = { method, headers: { Authorization: `Bearer ${this.token}`, ...headers }, cache: 'no-store' };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path + query(params), init);
    } catch (exc) {
      throw new ApiError(0, 'network', String(exc.message || exc));
    }
    if (!response.ok) {
      let code = `http_${response.status}`;
      let detail = response.statusText;
      try {
        const data = await response.json();
        code = data.error || code;
        detail = data.detail ?? detail;
      } catch {
        // not JSON
      }
      if (response.status === 401) this.onUnauthorized(code);
      throw new ApiError(response.status, code, detail);
    }
    return response;
  }

  async json(method, path, options) {
    const response = await this.fetch(method, path, options);
    const text = await response.text();
    return text ? JSON.parse(text) : null;
  }

  get(path, params) {
    return this.json('GET', path, { params });
  }

  post(path, body, headers) {
    return this.json('POST', path, { body, headers });
  }

  async text(path, params) {
    return (await this.fetch('GET', path, { params })).text();
  }

  /** GET a file and save it; returns {filename, size, blob}. */
  async download(path, params, fallbackName) {
    const response = await this.fetch('GET', path, { params });
    const blob = await response.blob();
    const disposition = response.headers.get('Content-Disposition') || '';
    const m = disposition.match(/filename="?([^";]+)"?/);
    const filename = m ? m[1] : fallbackName;
    saveBlob(blob, filename);
    return { filename, size: blob.size, blob };
  }
}

/** A fresh idempotency key for one user action (retries of the same action reuse it). */
export function actionKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// The conflicts between the two sides' notices, as this node finds them: the listing
// (GET /v1/conflicts?state=all) seeds it at start and after every reconnect, because the stream's
// conflict events are live only; each event then opens, changes, clears or handles one at once.

const noticeKey = (ref) => `${ref.side}/${ref.index}`;

/** The board keys ("side/index") of a conflict's entries (a draft's has no index). */
export function noticeKeys(conflict) {
  return conflict.between.filter((r) => r.index !== null && r.index !== undefined).map(noticeKey);
}

/** The other entry of a conflict than the notice `key` (or than the draft, for a check). */
export function otherRef(conflict, key = null) {
  const [a, b] = conflict.between;
  if (key === null) return a.index === null || a.index === undefined ? b : a;
  return noticeKey(a) === key ? b : a;
}

export class ConflictStore {
  constructor(api) {
    this.api = api;
    this.items = new Map(); // id -> conflict as the node shows it
    this.listeners = new Set();
    this.loading = null; // events that arrived while the listing was on its way
    this.loaded = false;
  }

  /** fn(changedNoticeKeys: Set, changedIds: Set) after every change. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(conflicts) {
    const keys = new Set(conflicts.flatMap(noticeKeys));
    const ids = new Set(conflicts.map((c) => c.id));
    for (const fn of this.listeners) fn(keys, ids);
  }

  /** Load every conflict the node holds now (open and handled). */
  async load() {
    const pending = [];
    this.loading = pending;
    let data;
    try {
      data = await this.api.get('/v1/conflicts', { state: 'all' });
    } finally {
      if (this.loading === pending) this.loading = null;
    }
    const before = [...this.items.values()];
    this.items = new Map(data.conflicts.map((c) => [c.id, c]));
    for (const ev of pending) this.change(ev);
    this.loaded = true;
    this.notify([...before, ...this.items.values()]);
  }

  /** A stream event {type: 'conflict', change, conflict}. Returns the conflict. */
  apply(ev) {
    if (this.loading) this.loading.push(ev); // applied again over the listing when it arrives
    const old = this.change(ev);
    this.notify(old ? [old, ev.conflict] : [ev.conflict]);
    return ev.conflict;
  }

  change(ev) {
    const c = ev.conflict;
    const old = this.items.get(c.id);
    if (ev.change === 'cleared') this.items.delete(c.id);
    else if (old?.state === 'handled' && c.state !== 'handled') this.items.set(c.id, { ...c, state: 'handled', handled_by: old.handled_by });
    else this.items.set(c.id, c);
    return old;
  }

  /** Mark handled here at once (the node's event confirms it): by = the liaison {side, index}. */
  markHandled(id, by) {
    const c = this.items.get(id);
    if (!c) return;
    const next = { ...c, state: 'handled', handled_by: by };
    this.items.set(id, next);
    this.notify([next]);
  }

  get(id) {
    return this.items.get(id);
  }

  /** Open first, then handled; newest first within each. */
  list() {
    const rank = (c) => (c.state === 'open' ? 0 : 1);
    return [...this.items.values()].sort((a, b) => rank(a) - rank(b) || b.detected_at - a.detected_at || (a.id < b.id ? -1 : 1));
  }

  /** The conflicts a notice ("side/index") is part of. */
  of(key) {
    return this.list().filter((c) => noticeKeys(c).includes(key));
  }

  openCount() {
    let n = 0;
    for (const c of this.items.values()) if (c.state === 'open') n += 1;
    return n;
  }
}

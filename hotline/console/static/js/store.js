// The notices of both sides with their state, kept current from the stream's events. The REST
// listing seeds it; events update it at once; the node's view of a changed notice is fetched
// again shortly after (so reason, remark and deadlines are the node's, not guessed).

const NEEDS_ACK = new Set(['planned_operation', 'aircraft_in_distress', 'downed_pilot', 'cancel']);
const PAGE = 500;
const MAX_PAGES = 20;

export const keyOf = (side, index) => `${side}/${index}`;

export class NoticeStore {
  constructor(api, session) {
    this.api = api;
    this.session = session;
    this.items = new Map();
    this.listeners = new Set();
    this.pending = new Set();
    this.refreshTimer = null;
    this.changed = new Set();
    this.notifyScheduled = false;
    this.origins = new Map([[session.origin, session.side]]);
    if (session.peer) this.origins.set(session.peer.origin, session.peer.side);
  }

  /** fn(changedKeys: Set) after every batch of changes. */
  subscribe(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(key) {
    if (key) this.changed.add(key);
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      const changed = this.changed;
      this.changed = new Set();
      for (const fn of this.listeners) fn(changed);
    });
  }

  get(side, index) {
    return this.items.get(keyOf(side, index));
  }

  sideOfOrigin(origin) {
    return this.origins.get(origin);
  }

  /** The item a protocol Reference {origin, index} points to, if held. */
  byRef(ref) {
    if (!ref) return undefined;
    const side = this.sideOfOrigin(ref.origin);
    return side === undefined ? undefined : this.get(side, ref.index);
  }

  isOwn(item) {
    return item.side === this.session.side;
  }

  /** Load every notice (newest first, page by page). */
  async load() {
    let cursor;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const data = await this.api.get('/v1/notices', { limit: PAGE, cursor });
      for (const view of data.notices) this.put(view);
      if (!data.next) break;
      cursor = data.next;
    }
    this.notify();
  }

  put(view) {
    const key = keyOf(view.side, view.index);
    const old = this.items.get(key);
    const item = { ...old, ...view, early: false, key };
    this.items.set(key, item);
    this.notify(key);
    return item;
  }

  localState(notice) {
    const needsAck = notice.kind !== 'ack' && (NEEDS_ACK.has(notice.kind) || Boolean(notice.supersedes));
    const seconds = this.session.deadlines?.[notice.precedence || 'ROUTINE'];
    return {
      status: 'appended',
      appended_at: Date.now(),
      delivered: null,
      acknowledged: null,
      needs_ack: needsAck,
      deadline: needsAck && seconds ? notice.time + seconds * 1000 : null,
      overdue: false,
      cancelled_by: null,
      superseded_by: null,
      supersedes: null,
      refers_to: null,
    };
  }

  /** Apply one stream event; returns the item it concerns (if any). */
  apply(ev) {
    switch (ev.type) {
      case 'appended':
        return this.appended(ev);
      case 'flash':
        return this.flash(ev);
      case 'delivered':
        this.delivered(ev);
        return undefined;
      case 'acknowledged':
        return this.acknowledged(ev);
      case 'overdue':
        return this.overdue(ev);
      default:
        return undefined;
    }
  }

  appended(ev) {
    const key = keyOf(ev.side, ev.index);
    const old = this.items.get(key);
    const base = { side: ev.side, origin: ev.origin, index: ev.index, leaf_hash: ev.leaf_hash, id: ev.id, kind: ev.kind, precedence: ev.precedence, notice: ev.notice };
    const item = { ...(old || { state: this.localState(ev.notice) }), ...base, early: false, key };
    this.items.set(key, item);
    const notice = ev.notice;
    const target = this.byRef(notice.ref || notice.supersedes);
    if (target && notice.kind === 'cancel') {
      target.state = { ...target.state, cancelled_by: { side: ev.side, index: ev.index } };
      this.notify(target.key);
      this.refresh(target.key);
    } else if (target && notice.supersedes) {
      target.state = { ...target.state, superseded_by: { side: ev.side, index: ev.index } };
      this.notify(target.key);
      this.refresh(target.key);
    }
    this.notify(key);
    this.refresh(key);
    return item;
  }

  flash(ev) {
    const key = keyOf(ev.side, ev.index);
    if (this.items.has(key)) return this.items.get(key);
    const item = {
      key,
      side: ev.side,
      origin: ev.origin,
      index: ev.index,
      leaf_hash: null,
      id: ev.id,
      kind: ev.kind,
      precedence: ev.notice.precedence || 'FLASH',
      notice: ev.notice,
      state: this.localState(ev.notice),
      early: true,
    };
    this.items.set(key, item);
    this.notify(key);
    return item;
  }

  delivered(ev) {
    for (const item of this.items.values()) {
      if (item.side !== ev.side || item.index >= ev.size || item.state.delivered) continue;
      const status = item.state.status === 'appended' ? 'delivered' : item.state.status;
      item.state = { ...item.state, status, delivered: { at: ev.at, by: ev.by, size: ev.size } };
      this.notify(item.key);
    }
  }

  acknowledged(ev) {
    const item = this.get(ev.side, ev.index);
    if (!item) return undefined;
    const acknowledged = { response: ev.response, by: ev.by, at: ev.at, remark: null, reason: null, entry: ev.ack };
    item.state = { ...item.state, status: 'acknowledged', overdue: false, acknowledged };
    this.notify(item.key);
    this.refresh(item.key);
    return item;
  }

  overdue(ev) {
    const item = this.get(ev.side, ev.index);
    if (!item) return undefined;
    if (!item.state.acknowledged) item.state = { ...item.state, status: 'overdue', overdue: true, deadline: ev.deadline };
    this.notify(item.key);
    return item;
  }

  /** Fetch the node's view of a notice again, soon (changes are batched). */
  refresh(key) {
    this.pending.add(key);
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => this.flush(), 150);
  }

  async flush() {
    this.refreshTimer = null;
    const keys = [...this.pending];
    this.pending.clear();
    await Promise.all(
      keys.map(async (key) => {
        const [side, index] = key.split('/');
        try {
          this.put(await this.api.get(`/v1/notices/${encodeURIComponent(side)}/${index}`));
        } catch {
          // not yet indexed there, or the node is away: the next event brings it
        }
      }),
    );
  }

  /** Every notice, newest first (by notice time, then side and index). */
  list() {
    return [...this.items.values()].sort((a, b) => b.notice.time - a.notice.time || (a.side < b.side ? 1 : a.side > b.side ? -1 : b.index - a.index));
  }
}

/** The state shown for a notice: the node's status, or cancelled/superseded on top of it. */
export function displayState(item) {
  const st = item.state || {};
  if (st.cancelled_by) return 'cancelled';
  if (st.superseded_by) return 'superseded';
  return st.status || 'appended';
}

/** Whether the other side still owes an acknowledgement for this notice. */
export function awaitingAck(item) {
  const st = item.state || {};
  return Boolean(st.needs_ack) && !st.acknowledged && !st.cancelled_by && !st.superseded_by;
}

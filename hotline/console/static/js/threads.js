// Threads: one per notice, holding what was said about it — its updates (a chain of
// `supersedes`), the acks and cancels that refer to it (and the acks of those cancels), and the
// liaison remarks `regarding` it (not the liaison that handles a conflict: that one is a notice
// of its own). The head is the latest version; the board shows one card per thread.

import { tEnum } from './i18n.js';
import { refText, summary, title } from './render.js';

/** The item a thread member hangs from, or undefined when it opens a thread of its own. */
function parentOf(store, item) {
  const n = item.notice;
  if (n.kind === 'ack' || n.kind === 'cancel') return store.byRef(n.ref);
  if (n.supersedes) return store.byRef(n.supersedes);
  if (n.kind === 'liaison' && n.regarding?.length && !n.conflict) return store.byRef(n.regarding[0]);
  return undefined;
}

/** Every thread of the store: {threads: Map(rootKey → {root, head, members}), rootOf: Map}. */
export function buildThreads(store) {
  const rootOf = new Map();
  const find = (item, depth = 0) => {
    const known = rootOf.get(item.key);
    if (known) return known;
    const parent = depth < 64 ? parentOf(store, item) : undefined;
    const root = parent && parent.key !== item.key ? find(parent, depth + 1) : item.key;
    rootOf.set(item.key, root);
    return root;
  };
  const threads = new Map();
  for (const item of store.items.values()) {
    const rootKey = find(item);
    let thread = threads.get(rootKey);
    if (!thread) {
      thread = { key: rootKey, root: store.items.get(rootKey), head: null, members: [] };
      threads.set(rootKey, thread);
    }
    thread.members.push(item);
  }
  for (const thread of threads.values()) {
    thread.members.sort((a, b) => a.notice.time - b.notice.time || (a.side < b.side ? -1 : a.side > b.side ? 1 : a.index - b.index));
    let head = thread.root;
    for (let i = 0; i < 64 && head.state?.superseded_by; i += 1) {
      const next = store.get(head.state.superseded_by.side, head.state.superseded_by.index);
      if (!next) break;
      head = next;
    }
    thread.head = head;
  }
  return { threads, rootOf };
}

/** The versions of the thread's notice, oldest first (the root, then each update). */
export function versions(thread) {
  return thread.members.filter((m) => m === thread.root || (m.notice.supersedes && !['ack', 'cancel'].includes(m.kind)));
}

/** A referenced notice by its operation reference or callsign (the entry number after it). */
export function refName(store, ref) {
  const target = store.byRef(ref) || (ref?.side !== undefined ? store.get(ref.side, ref.index) : undefined);
  if (!target) return refText(store, ref);
  return `${title(target)} (${refText(store, target)})`;
}

/** The text searched in a notice: its entry number, side, kind, precedence, fields and author. */
export function haystack(store, item) {
  const n = item.notice;
  const words = [
    item.key,
    refText(store, item),
    item.side,
    n.kind,
    tEnum('Kind', n.kind),
    item.precedence,
    n.status,
    title(item),
    summary(item, store),
    n.operation_ref,
    ...(n.callsigns || []),
    n.aircraft?.callsign,
    n.aircraft?.type,
    n.aircraft_callsign,
    n.aircraft_type,
    n.text,
    n.remarks,
    n.remark,
    n.reason,
    n.reason_code && tEnum('ReasonCode', n.reason_code),
    n.response,
    n.author?.id,
    n.author?.unit,
    n.author?.nation,
  ];
  return words.filter(Boolean).join('\n').toLowerCase();
}

/** Whether any member of the thread matches every word of the query (case-insensitive). */
export function threadMatches(store, thread, query, cache) {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const texts = thread.members.map((m) => {
    let text = cache.get(m);
    if (text === undefined) {
      text = haystack(store, m);
      cache.set(m, text);
    }
    return text;
  });
  const all = texts.join('\n');
  return words.every((w) => all.includes(w));
}

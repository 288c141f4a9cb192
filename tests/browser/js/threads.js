// () => threads built by the console's store and threads modules from a set of notices: a
// planned operation, two acks of it, its update, the cancel of the update, an ack of that
// cancel, a remark regarding it, a liaison that handles a conflict (a notice of its own) and an
// ack of a notice not held; then what a search finds, and the owed and waiting queues
async () => {
  const { NoticeStore } = await import('/console/js/store.js');
  const { buildThreads, threadMatches } = await import('/console/js/threads.js');
  const { owed, waiting } = await import('/console/js/queue.js');
  const session = { side: 'alpha', origin: 'a.example', peer: { side: 'bravo', origin: 'b.example' } };
  const store = new NoticeStore(null, session);
  const author = { id: 'ops-1', unit: 'JOC ALPHA', nation: 'XAA' };
  const ref = (origin, index) => ({ origin, index, leaf_hash: 'AAAA' });
  const state = (extra) => ({ status: 'delivered', needs_ack: false, acknowledged: null, cancelled_by: null, superseded_by: null, deadline: null, ...extra });
  let t = 1_000;
  const put = (side, index, notice, extra = {}) => {
    t += 1_000;
    store.put({ side, index, kind: notice.kind, precedence: notice.precedence || 'ROUTINE', notice: { status: 'exercise', author, time: t, ...(notice.kind === 'planned_operation' ? { activity: 'air_patrol', areas: [] } : {}), ...notice }, state: state(extra) });
  };
  put('alpha', 0, { kind: 'planned_operation', operation_ref: 'OP-1', callsigns: ['VIPER 77'] }, { needs_ack: true, superseded_by: { side: 'alpha', index: 1 } });
  put('bravo', 0, { kind: 'ack', ref: ref('a.example', 0), response: 'ROGER' });
  put('bravo', 1, { kind: 'ack', ref: ref('a.example', 0), response: 'UNABLE', reason_code: 'weather' });
  put('alpha', 1, { kind: 'planned_operation', operation_ref: 'OP-1B', supersedes: ref('a.example', 0) }, { needs_ack: true, cancelled_by: { side: 'alpha', index: 2 } });
  put('alpha', 2, { kind: 'cancel', ref: ref('a.example', 1), reason: 'operation_complete' }, { needs_ack: true, deadline: 9_000_000 });
  put('bravo', 2, { kind: 'ack', ref: ref('a.example', 2), response: 'ROGER' });
  put('bravo', 3, { kind: 'liaison', text: 'Tanker keeps north.', language: 'en', regarding: [ref('a.example', 0)] });
  put('bravo', 4, { kind: 'liaison', text: 'Handled.', language: 'en', regarding: [ref('a.example', 0), ref('b.example', 5)], conflict: 'c'.repeat(64) });
  put('bravo', 5, { kind: 'ack', ref: ref('a.example', 99), response: 'WILCO' });
  put('bravo', 6, { kind: 'planned_operation', operation_ref: 'OP-B2', callsigns: ['COBRA 5'] }, { needs_ack: true, deadline: 5_000_000 });
  put('bravo', 7, { kind: 'planned_operation', operation_ref: 'OP-B1' }, { needs_ack: true, deadline: 4_000_000 });
  put('bravo', 8, { kind: 'planned_operation', operation_ref: 'OP-B3' }, { needs_ack: true, deadline: 3_000_000, acknowledged: { response: 'WILCO' } });
  const { threads, rootOf } = buildThreads(store);
  const cache = new WeakMap();
  const find = (q) => [...threads.values()].filter((th) => threadMatches(store, th, q, cache)).map((th) => th.key).sort();
  const op = threads.get('alpha/0');
  return {
    roots: [...threads.keys()].sort(),
    members: op.members.map((m) => m.key),
    head: op.head.key,
    rootOfAckOfCancel: rootOf.get('bravo/2'),
    viper: find('viper 77'),
    weather: find('WEATHER'),
    cobra: find('cobra'),
    two: find('op-1b operation complete'),
    none: find('no such thing'),
    owed: owed(store, session).map((i) => i.key),
    waiting: waiting(store, session).map((i) => i.key),
  };
}

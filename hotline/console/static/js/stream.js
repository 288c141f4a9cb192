// The /v1/stream WebSocket: authenticate, subscribe, resume from the last cursor after any
// disconnect (the node replays what was missed), keep-alive pings to notice a dead socket.

const PING_EVERY = 15_000;
const PONG_WITHIN = 10_000;
const BACKOFF_MIN = 500;
const BACKOFF_MAX = 10_000;
const CLOSE_UNAUTHENTICATED = 4401;
const CLOSE_FORBIDDEN = 4403;

export class Stream {
  /**
   * handlers: onEvent(event), onStatus('connecting'|'live'|'reconnecting', detail),
   * onSubscribed({resumed}), onAuthFailed(code)
   */
  constructor(token, handlers) {
    this.token = token;
    this.handlers = handlers;
    this.cursor = null;
    this.ws = null;
    this.stopped = false;
    this.backoff = BACKOFF_MIN;
    this.timers = new Set();
    this.pingId = 0;
    this.awaitingPong = null;
    this.rtt = null;
    this.connects = 0;
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.ws) this.ws.close(1000, 'logout');
    this.ws = null;
  }

  later(fn, ms) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
    return timer;
  }

  connect() {
    if (this.stopped) return;
    this.handlers.onStatus?.(this.connects ? 'reconnecting' : 'connecting');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/stream`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', id: 'auth', token: this.token }));
    ws.onmessage = (msg) => this.receive(ws, msg.data);
    ws.onclose = (ev) => this.closed(ws, ev);
    ws.onerror = () => {}; // onclose follows
  }

  send(message) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  receive(ws, data) {
    if (ws !== this.ws) return;
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    switch (msg.type) {
      case 'authenticated':
        this.send({ type: 'subscribe', id: 'sub', filters: {}, ...(this.cursor ? { cursor: this.cursor } : {}) });
        break;
      case 'subscribed': {
        const resumed = Boolean(this.cursor);
        if (!this.cursor) this.cursor = msg.cursor;
        this.connects += 1;
        this.backoff = BACKOFF_MIN;
        this.handlers.onStatus?.('live');
        this.handlers.onSubscribed?.({ resumed });
        this.schedulePing(ws);
        break;
      }
      case 'event':
        if (msg.event && msg.event.cursor) this.cursor = msg.event.cursor;
        this.handlers.onEvent?.(msg.event);
        break;
      case 'pong':
        if (this.awaitingPong && this.awaitingPong.id === msg.id) {
          this.rtt = performance.now() - this.awaitingPong.sent;
          clearTimeout(this.awaitingPong.timer);
          this.timers.delete(this.awaitingPong.timer);
          this.awaitingPong = null;
          this.schedulePing(ws);
        }
        break;
      case 'error':
        if (msg.id === 'sub' && msg.error === 'bad_cursor') {
          // the node no longer knows our cursor: start afresh and reload the board
          this.cursor = null;
          this.send({ type: 'subscribe', id: 'sub', filters: {} });
        }
        break;
      default:
        break;
    }
  }

  schedulePing(ws) {
    this.later(() => {
      if (ws !== this.ws || ws.readyState !== WebSocket.OPEN) return;
      this.pingId += 1;
      const id = `ping-${this.pingId}`;
      const timer = this.later(() => {
        if (ws === this.ws) ws.close(4000, 'no pong');
      }, PONG_WITHIN);
      this.awaitingPong = { id, sent: performance.now(), timer };
      ws.send(JSON.stringify({ type: 'ping', id }));
    }, PING_EVERY);
  }

  closed(ws, ev) {
    if (ws !== this.ws) return;
    this.ws = null;
    this.awaitingPong = null;
    if (this.stopped) return;
    if (ev.code === CLOSE_UNAUTHENTICATED || ev.code === CLOSE_FORBIDDEN) {
      this.stopped = true;
      this.handlers.onAuthFailed?.(ev.reason || String(ev.code));
      return;
    }
    this.handlers.onStatus?.('reconnecting', ev.reason || String(ev.code));
    const delay = this.backoff;
    this.backoff = Math.min(BACKOFF_MAX, this.backoff * 2);
    this.later(() => this.connect(), delay);
  }
}

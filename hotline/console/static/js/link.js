// Link status, always visible: the peer link (up/down, since, lag, cosigned sizes, and the own
// feed being recovered from the peer after a restore) from /v1/link, fetched again when the stream says something changed, and the console's own stream.
// A change of up or down is told to ctx.linkChanged (the alarms and the board follow it).

import { h, replace } from './dom.js';
import { t } from './i18n.js';
import { hhmmz } from './time.js';

export class LinkStatus {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.state = null;
    this.stream = 'connecting';
    this.pending = null;
  }

  /** Fetch the link state soon (several events in a row cost one request). */
  refresh() {
    if (this.pending) return;
    this.pending = setTimeout(async () => {
      this.pending = null;
      try {
        this.state = await this.ctx.api.get('/v1/link');
      } catch {
        // keep the last known state; the stream status shows the trouble
      }
      this.render();
      const down = this.downSince();
      if (down !== this.told) {
        this.told = down;
        this.ctx.linkChanged?.();
      }
    }, 200);
  }

  /** When the peer link went down (ms), or null while it is up (or not known yet). */
  downSince() {
    const st = this.state;
    if (!st || !st.paired || st.connected) {
      this.firstSeenDown = undefined;
      return null;
    }
    return st.down_since ?? this.firstSeenDown ?? (this.firstSeenDown = Date.now());
  }

  streamStatus(status) {
    this.stream = status;
    this.render();
  }

  render() {
    const st = this.state;
    let peer;
    if (!st) peer = h('span', { class: 'link-peer unknown' }, '…');
    else if (!st.paired) peer = h('span', { class: 'link-peer down', 'data-link': 'unpaired' }, t('link.unpaired'));
    else {
      const up = st.connected;
      peer = h(
        'span',
        { class: ['link-peer', up ? 'up' : 'down'], 'data-link': up ? 'up' : 'down', title: st.last_error ? t('link.error', { error: st.last_error }) : '' },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        `${up ? t('link.up') : t('link.down')} (${st.peer})`,
        up && st.since ? ` ${t('link.since', { time: hhmmz(st.since) })}` : '',
        !up ? ` ${t('link.since', { time: hhmmz(this.downSince()) })}` : '',
        up && st.lag ? ` · ${t('link.lag', { out: st.lag.out, in: st.lag.in })}` : '',
        ` · ${t('link.cosigned', { own: st.own_delivered_size, peer: st.peer_cosigned_size })}`,
      );
    }
    const live = this.stream === 'live';
    const stream = h('span', { class: ['link-stream', live ? 'up' : 'down'], 'data-stream': this.stream }, `${t('link.console')}: ${t(`link.${this.stream}`)}`);
    const behind = st?.own_behind
      ? [h('span', { class: 'link-behind', role: 'alert', 'data-own-behind': String(st.own_behind) }, t('link.behind', { peer: st.peer, size: st.own_behind }))]
      : [];
    replace(this.root, peer, h('span', { class: 'sep', 'aria-hidden': 'true' }, ' | '), stream, ...behind);
  }
}

// Alarms: an unacknowledged FLASH from the other side, an overdue notice of our own, refused
// input from the peer. Each raises a banner and a sound (WebAudio, no audio files) until it is
// handled: acknowledged, cancelled or superseded; the sound can be silenced per alarm, the banner
// stays while the condition holds. Refused-input banners are dismissed by hand.

import { h, replace } from './dom.js';
import { lang, t } from './i18n.js';
import { title } from './render.js';
import { awaitingAck } from './store.js';
import { hhmmz } from './time.js';

const BEEP_EVERY = 2000;

let audio = null;

/** Create or resume the audio context; call from a user gesture (login, a click). */
export function unlockAudio() {
  try {
    audio = audio || new AudioContext();
    if (audio.state === 'suspended') audio.resume();
  } catch {
    audio = null;
  }
}

function tone(at, freq, length) {
  const osc = audio.createOscillator();
  const gain = audio.createGain();
  osc.type = 'square';
  osc.frequency.value = freq;
  gain.gain.setValueAtTime(0.0001, at);
  gain.gain.exponentialRampToValueAtTime(0.15, at + 0.01);
  gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
  osc.connect(gain).connect(audio.destination);
  osc.start(at);
  osc.stop(at + length + 0.02);
}

function beep(urgent) {
  if (!audio) return;
  const now = audio.currentTime;
  tone(now, urgent ? 988 : 660, 0.18);
  tone(now + 0.25, urgent ? 740 : 660, 0.18);
}

export class Alarms {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx;
    this.silenced = new Set();
    this.dismissed = new Set();
    this.refused = []; // [{id, code, at}]
    this.active = [];
    this.timer = null;
    ctx.store.subscribe(() => this.evaluate());
  }

  /** A node alarm event (refused input; FLASH alarms follow from the notices themselves). */
  event(ev) {
    if (ev.reason === 'refused' || ev.reason === 'refused_by_peer') {
      this.refused.push({ id: `refused/${ev.evidence ?? ev.at}`, code: ev.code || ev.reason, at: ev.at });
      this.evaluate();
    } else if (ev.reason === 'flash_repeated') {
      this.silenced.delete(`flash/${ev.side}/${ev.index}`);
      this.evaluate();
    }
  }

  evaluate() {
    const { store, session } = this.ctx;
    const alarms = [];
    for (const item of store.items.values()) {
      const own = item.side === session.side;
      if (!own && item.precedence === 'FLASH' && item.kind !== 'ack' && awaitingAck(item)) {
        alarms.push({ id: `flash/${item.key}`, kind: 'flash', item, text: t('alarm.flash', { side: item.side, title: title(item) }) });
      } else if (own && item.state?.status === 'overdue' && awaitingAck(item)) {
        const peer = session.peer ? session.peer.side : '';
        alarms.push({ id: `overdue/${item.key}`, kind: 'overdue', item, text: t('alarm.overdue', { side: peer, title: title(item), time: hhmmz(item.state.deadline) }) });
      }
    }
    for (const r of this.refused) {
      if (!this.dismissed.has(r.id)) alarms.push({ id: r.id, kind: 'refused', text: t('alarm.refused', { code: r.code }) });
    }
    this.active = alarms;
    // re-render only when something changed: the banner region is announced on every change
    const signature = JSON.stringify([lang(), alarms.map((a) => [a.id, a.text, this.silenced.has(a.id)])]);
    if (signature !== this.signature) {
      this.signature = signature;
      this.render();
    }
    this.sound();
  }

  render() {
    const banners = this.active.map((alarm) =>
      h(
        'div',
        { class: ['alarm', `alarm-${alarm.kind}`, this.silenced.has(alarm.id) && 'silenced'], 'data-alarm': alarm.id, 'data-kind': alarm.kind },
        h('span', { class: 'alarm-icon', 'aria-hidden': 'true' }, '⚠'),
        h('span', { class: 'alarm-text' }, alarm.text),
        this.silenced.has(alarm.id) ? h('span', { class: 'tag' }, t('alarm.silenced')) : null,
        alarm.item ? h('button', { type: 'button', onclick: () => this.ctx.navigate(`#board/${alarm.item.side}/${alarm.item.index}`) }, t('alarm.show')) : null,
        alarm.kind === 'refused'
          ? h('button', { type: 'button', onclick: () => { this.dismissed.add(alarm.id); this.evaluate(); } }, t('alarm.dismiss'))
          : this.ctx.canPost && !this.silenced.has(alarm.id) && h('button', { type: 'button', class: 'silence', onclick: () => { this.silenced.add(alarm.id); this.evaluate(); } }, t('alarm.silence')),
      ),
    );
    replace(this.root, banners);
    this.root.hidden = banners.length === 0;
  }

  sound() {
    const loud = this.ctx.canPost && this.active.some((a) => !this.silenced.has(a.id));
    document.body.dataset.alarmSound = loud ? 'on' : 'off';
    if (loud && !this.timer) {
      const urgent = () => this.active.some((a) => a.kind === 'flash' && !this.silenced.has(a.id));
      beep(urgent());
      this.timer = setInterval(() => beep(urgent()), BEEP_EVERY);
    } else if (!loud && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    document.body.dataset.alarmSound = 'off';
  }
}

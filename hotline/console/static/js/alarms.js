// Alarms: an unacknowledged FLASH from the other side, a notice of the other side this side owes
// an answer to past its deadline (one's own overdue notices wait on the other side: they are in
// the quieter list of the board, not alarms), the peer link down, refused input from the peer.
// Each raises a banner and a sound (WebAudio, no audio files) until it is handled: acknowledged,
// cancelled or superseded, or the link is up again; the sound can be silenced per alarm or all at
// once, the banner stays while the condition holds.
// Refused-input banners are dismissed by hand. A FLASH cancel from the other side informs (a blue
// banner, no sound); a FLASH arriving raises a desktop notification where the browser allows it.
// ctx.onAlarmCount(n) hears the count of unanswered FLASH and overdue notices (tab title, icon).

import { h, replace } from './dom.js';
import { lang, t } from './i18n.js';
import { title } from './render.js';
import { awaitingAck } from './store.js';
import { refName } from './threads.js';
import { hhmmz } from './time.js';

const BEEP_EVERY = 2000;
const ASKED_KEY = 'hotline.notifications.asked';

let audio = null;
const audioListeners = new Set();

/** Create or resume the audio context; call from a user gesture (login, a click). */
export function unlockAudio() {
  try {
    if (!audio) {
      audio = new AudioContext();
      audio.addEventListener('statechange', () => audioListeners.forEach((fn) => fn()));
    }
    if (audio.state === 'suspended') audio.resume().catch(() => {});
  } catch {
    audio = null;
  }
  audioListeners.forEach((fn) => fn());
}

/** Whether the browser lets the console sound its alarms now. */
export function audioAllowed() {
  return Boolean(audio) && audio.state === 'running';
}

/** Ask once (ever, in this browser) for desktop notifications; call from a user gesture. */
export function askNotifications() {
  if (!('Notification' in window) || Notification.permission !== 'default') return;
  try {
    if (localStorage.getItem(ASKED_KEY)) return;
    localStorage.setItem(ASKED_KEY, String(Date.now()));
  } catch {
    // not remembered: asked this once anyway
  }
  Notification.requestPermission().catch(() => {});
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
  if (!audioAllowed()) return;
  const now = audio.currentTime;
  tone(now, urgent ? 988 : 660, 0.18);
  tone(now + 0.25, urgent ? 740 : 660, 0.18);
}

/** Whether an answer this side owes is past its deadline (the node's word, or the clock's). */
function owedLate(item) {
  const st = item.state || {};
  return st.status === 'overdue' || Boolean(st.overdue) || (Boolean(st.deadline) && st.deadline <= Date.now());
}

const LOUD = new Set(['flash', 'overdue', 'link', 'refused']);
const COUNTED = new Set(['flash', 'overdue']);

export class Alarms {
  constructor(root, ctx, soundButton) {
    this.root = root;
    this.ctx = ctx;
    this.soundButton = soundButton;
    this.silenced = new Set();
    this.dismissed = new Set();
    this.notified = new Set();
    this.refused = []; // [{id, code, at}]
    this.active = [];
    this.timer = null;
    ctx.store.subscribe(() => this.evaluate());
    ctx.every(() => this.evaluate(), 5_000); // deadlines pass with no event here
    this.onAudio = () => this.soundState();
    audioListeners.add(this.onAudio);
    soundButton.onclick = () => unlockAudio();
    this.soundState();
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
    const { store, session, link } = this.ctx;
    const peer = session.peer ? session.peer.side : '';
    const alarms = [];
    const down = link?.downSince();
    if (down) alarms.push({ id: `link/${down}`, kind: 'link', text: t('alarm.link_down', { side: peer, time: hhmmz(down) }), fallback: session.fallback });
    for (const item of store.items.values()) {
      const own = item.side === session.side;
      if (!own && item.precedence === 'FLASH' && item.kind !== 'ack' && awaitingAck(item)) {
        if (item.kind === 'cancel') alarms.push({ id: `info/${item.key}`, kind: 'info', item, text: t('alarm.flash_cancel', { side: item.side, title: refName(store, item.notice.ref) }) });
        else alarms.push({ id: `flash/${item.key}`, kind: 'flash', item, text: t('alarm.flash', { side: item.side, title: title(item) }) });
      } else if (!own && item.kind !== 'ack' && item.kind !== 'cancel' && awaitingAck(item) && owedLate(item)) {
        alarms.push({ id: `overdue/${item.key}`, kind: 'overdue', item, text: t('alarm.overdue_owed', { side: item.side, title: title(item), time: hhmmz(item.state.deadline) }) });
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
    this.notify();
    this.ctx.onAlarmCount?.(alarms.filter((a) => COUNTED.has(a.kind)).length);
    this.sound();
  }

  /** A desktop notification for every FLASH alarm that is new here (when permitted). */
  notify() {
    for (const alarm of this.active) {
      if (alarm.kind !== 'flash' || this.notified.has(alarm.id)) continue;
      this.notified.add(alarm.id);
      if (!('Notification' in window) || Notification.permission !== 'granted') continue;
      try {
        const note = new Notification(t('alarm.notification', { side: this.ctx.session.side }), { body: alarm.text, tag: alarm.id, requireInteraction: true });
        note.onclick = () => {
          window.focus();
          this.ctx.navigate(`#board/${alarm.item.side}/${alarm.item.index}`);
          note.close();
        };
      } catch {
        // notifications refused by the platform: the banner and the sound remain
      }
    }
  }

  loud() {
    return this.active.filter((a) => LOUD.has(a.kind) && !this.silenced.has(a.id));
  }

  render() {
    const banners = this.active.map((alarm) =>
      h(
        'div',
        { class: ['alarm', `alarm-${alarm.kind}`, this.silenced.has(alarm.id) && 'silenced'], 'data-alarm': alarm.id, 'data-kind': alarm.kind },
        h('span', { class: 'alarm-icon', 'aria-hidden': 'true' }, alarm.kind === 'info' ? 'ℹ' : '⚠'),
        h('span', { class: 'alarm-text' }, alarm.text),
        this.silenced.has(alarm.id) ? h('span', { class: 'tag' }, t('alarm.silenced')) : null,
        alarm.item ? h('button', { type: 'button', onclick: () => this.ctx.navigate(`#board/${alarm.item.side}/${alarm.item.index}`) }, t('alarm.show')) : null,
        alarm.kind === 'refused'
          ? h('button', { type: 'button', onclick: () => { this.dismissed.add(alarm.id); this.evaluate(); } }, t('alarm.dismiss'))
          : LOUD.has(alarm.kind) && this.ctx.canPost && !this.silenced.has(alarm.id) && h('button', { type: 'button', class: 'silence', onclick: () => { this.silenced.add(alarm.id); this.evaluate(); } }, t('alarm.silence')),
        alarm.kind === 'link' && h('span', { class: 'fallback', 'data-fallback': '' }, alarm.fallback ? t('link.fallback', { fallback: alarm.fallback }) : t('link.no_fallback')),
      ),
    );
    const loud = this.loud();
    if (this.ctx.canPost && loud.length > 1) {
      banners.push(
        h(
          'div',
          { class: 'alarm-controls' },
          h('button', { type: 'button', class: 'silence-all', onclick: () => { loud.forEach((a) => this.silenced.add(a.id)); this.evaluate(); } }, t('alarm.silence_all', { count: loud.length })),
        ),
      );
    }
    replace(this.root, banners);
    this.root.hidden = banners.length === 0;
  }

  sound() {
    const loud = this.ctx.canPost && this.loud().length > 0;
    document.body.dataset.alarmSound = loud ? 'on' : 'off';
    if (loud && !this.timer) {
      const urgent = () => this.active.some((a) => a.kind === 'flash' && !this.silenced.has(a.id));
      beep(urgent());
      this.timer = setInterval(() => beep(urgent()), BEEP_EVERY);
    } else if (!loud && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
    this.soundState();
  }

  /** "Sound off — click to enable" while the browser has not allowed audio (operators). */
  soundState() {
    const off = this.ctx.canPost && !audioAllowed();
    this.soundButton.hidden = !off;
    document.body.dataset.audio = audioAllowed() ? 'allowed' : 'blocked';
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    audioListeners.delete(this.onAudio);
    this.soundButton.hidden = true;
    document.body.dataset.alarmSound = 'off';
  }
}

// The console shell: sign in with a token, the views (board, compose, map, conflicts, audit)
// behind hash routes, the header (link status, open conflicts, UTC clock, language, logout),
// alarms (with the count of what is unanswered in the tab title and the icon), session expiry.

import { Alarms, askNotifications, unlockAudio } from './alarms.js';
import { Api, ApiError } from './api.js';
import { AuditView } from './audit/view.js';
import { Board } from './board.js';
import { Compose } from './compose.js';
import { ConflictStore } from './conflicts/store.js';
import { overlapLine } from './conflicts/text.js';
import { ConflictsView } from './conflicts/view.js';
import { announce, h, replace } from './dom.js';
import { applyStatic, lang, LANGUAGES, onLangChange, setLang, t, tEnum } from './i18n.js';
import { setSchema } from './forms/checks.js';
import { LinkStatus } from './link.js';
import { MapView } from './map/view.js';
import { clearMode, showMode } from './mode.js';
import { summary, title } from './render.js';
import { NoticeStore } from './store.js';
import { Stream } from './stream.js';
import { clock, hhmmz } from './time.js';

const SESSION_KEY = 'hotline.session';
export const SESSION_HOURS = 12; // a duty shift; the token must be entered again after it
const VIEWS = ['board', 'compose', 'map', 'conflicts', 'audit'];

let app = null; // the running session's parts

const $ = (id) => document.getElementById(id);
const ICON = '/console/img/icon.svg';

/** The tab's icon: the console's own, or a red disc with the count of unanswered alarms. */
function favicon(count) {
  const link = document.querySelector('link[rel="icon"]');
  if (!count) {
    link.href = ICON;
    return;
  }
  const text = count > 99 ? '99+' : String(count);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="16" fill="#c8102e"/><text x="16" y="22" font-family="sans-serif" font-size="${text.length > 2 ? 12 : 17}" font-weight="700" text-anchor="middle" fill="#fff">${text}</text></svg>`;
  link.href = `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

/** The tab title: the view and the side, after the count of unanswered alarms, if any. */
function setTitle() {
  if (!app) return;
  const count = app.alarmCount || 0;
  document.title = `${count ? `(${count}) ⚠ ` : ''}${app.baseTitle || t('app.title')}`;
  document.documentElement.dataset.alarmCount = String(count);
}

function languageSelect(id) {
  const select = $(id);
  replace(select, LANGUAGES.map((l) => h('option', { value: l.code, selected: l.code === lang() }, l.name)));
  select.addEventListener('change', () => setLang(select.value));
  onLangChange((code) => { select.value = code; });
}

function saved() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    return null;
  }
}

function showLogin(messageKey, isError = false) {
  $('app').hidden = true;
  $('login').hidden = false;
  const msg = $('login-message');
  msg.textContent = messageKey ? t(messageKey) : '';
  if (messageKey) msg.dataset.i18n = messageKey;
  else delete msg.dataset.i18n;
  msg.className = isError ? 'error' : 'info';
  msg.hidden = !messageKey;
  $('token').focus();
}

function toast(text) {
  const box = $('toast');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(box.timer);
  box.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

function endSession(messageKey) {
  if (app) {
    app.stream.stop();
    app.alarms.stop();
    clearTimeout(app.expiry);
    clearInterval(app.clock);
    app.intervals.forEach(clearInterval);
    app.unsubscribe.forEach((fn) => fn());
    app = null;
  }
  document.title = t('app.title');
  clearMode();
  favicon(0);
  delete document.documentElement.dataset.alarmCount;
  sessionStorage.removeItem(SESSION_KEY);
  delete $('app').dataset.route;
  for (const id of ['view-board', 'view-compose', 'view-map', 'view-conflicts', 'view-audit', 'alarms', 'conflict-counter']) replace($(id));
  $('token').value = '';
  showLogin(messageKey, messageKey !== 'login.logged_out');
}

function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route() {
  if (!app) return;
  const parts = location.hash.replace(/^#/, '').split('/').filter(Boolean).map(decodeURIComponent);
  let view = VIEWS.includes(parts[0]) ? parts[0] : 'board';
  if (view === 'compose' && !app.canPost) view = 'board';
  const rest = parts.slice(1);
  for (const name of VIEWS) {
    $(`view-${name}`).hidden = name !== view;
    const tab = document.querySelector(`[data-view="${name}"]`);
    if (tab) {
      if (name === view) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
    }
  }
  app.baseTitle = `${t(`nav.${view}`)} — ${t('app.title')} ${app.session.side}`;
  setTitle();
  if (view !== 'map') app.map.hide();
  if (view !== 'conflicts') app.conflictsView.hide();
  if (view === 'board') app.board.select(rest.length >= 2 ? `${rest[0]}/${rest[1]}` : app.board.selected);
  else if (view === 'compose') app.compose.show(rest);
  else if (view === 'map') app.map.show(rest);
  else if (view === 'conflicts') app.conflictsView.show(rest);
  else if (view === 'audit') app.audit.show(rest);
  $('app').dataset.route = [view, ...rest].join('/'); // what is shown now (scripts wait for it)
}

function header(session) {
  $('who').textContent = t('app.user', { user: session.user, role: tEnum('Role', session.role) });
  $('side-name').textContent = `${session.side} · ${session.origin}`;
  $('session-until').textContent = t('app.session_until', { time: hhmmz(app.expires) });
  $('nav-compose').hidden = !app.canPost;
}

/** The header's counter of open conflicts (a link to the conflicts list). */
function conflictCounter() {
  if (!app) return;
  const count = app.conflicts.openCount();
  const link = $('conflict-counter');
  link.dataset.open = String(count);
  link.classList.toggle('some', count > 0);
  replace(link, h('span', { 'aria-hidden': 'true' }, count ? '⚠ ' : ''), t('conflict.counter', { count }));
}

function onEvent(ev) {
  if (!app) return;
  const item = app.store.apply(ev);
  if (ev.type === 'appended' && item && ev.side !== app.session.side && ev.kind !== 'ack') {
    announce(t('app.sr_new_notice', { title: `${title(item)} — ${summary(item, app.store)}` }));
  }
  if (['link', 'delivered', 'appended', 'acknowledged'].includes(ev.type)) app.link.refresh();
  if (ev.type === 'alarm') app.alarms.event(ev);
  if (ev.type === 'conflict') {
    app.conflicts.apply(ev);
    if (ev.change === 'opened') announce(t('conflict.new', { what: overlapLine(ev.conflict) }));
  }
}

async function start(token, expires) {
  const api = new Api(token, () => endSession('login.revoked'));
  const session = await api.get('/console/session');
  setSchema(await api.get('/console/schema').catch(() => null)); // checks before sending
  showMode(session);
  const intervals = [];
  const every = (fn, ms) => intervals.push(setInterval(fn, ms));
  const ctx = { api, session, navigate, toast, every, canPost: session.permissions.includes('post') };
  const store = new NoticeStore(api, session);
  const conflicts = new ConflictStore(api);
  ctx.store = store;
  ctx.conflicts = conflicts;
  app = { session, api, store, conflicts, canPost: ctx.canPost, expires, intervals, unsubscribe: [] };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify({ token, expires }));
  app.link = new LinkStatus($('link-status'), ctx);
  ctx.link = app.link;
  ctx.linkChanged = () => {
    app?.alarms.evaluate();
    app?.board.linkChanged();
  };
  ctx.onAlarmCount = (count) => {
    if (!app || app.alarmCount === count) return;
    app.alarmCount = count;
    setTitle();
    favicon(count);
  };
  app.alarms = new Alarms($('alarms'), ctx, $('sound-off'));
  app.board = new Board($('view-board'), ctx);
  app.compose = new Compose($('view-compose'), ctx);
  app.map = new MapView($('view-map'), ctx);
  app.conflictsView = new ConflictsView($('view-conflicts'), ctx);
  app.audit = new AuditView($('view-audit'), ctx);
  ctx.proof = async (item) => toast((await app.audit.proof(item.side, item.index)).text);
  app.stream = new Stream(token, {
    onEvent,
    onStatus: (status) => app && app.link.streamStatus(status),
    // conflict events are live only: the listing is loaded again after every (re)subscription
    onSubscribed: () => app && Promise.all([store.load().catch(() => {}), conflicts.load().catch(() => {})]),
    onAuthFailed: () => endSession('login.revoked'),
  });
  $('login').hidden = true;
  $('app').hidden = false;
  header(session);
  app.link.render();
  app.link.refresh();
  app.unsubscribe.push(conflicts.subscribe(conflictCounter));
  conflictCounter();
  app.stream.start();
  app.expiry = setTimeout(() => endSession('login.expired'), Math.max(0, expires - Date.now()));
  app.clock = setInterval(() => { $('utc-clock').textContent = clock(Date.now()); }, 1000);
  $('utc-clock').textContent = clock(Date.now());
  app.unsubscribe.push(
    onLangChange(() => {
      if (!app) return;
      header(session);
      app.link.render();
      app.board.relabel();
      app.compose.relabel();
      app.map.relabel();
      app.conflictsView.relabel();
      conflictCounter();
      app.audit.relabel();
      app.alarms.evaluate();
      route();
    }),
  );
  await Promise.all([store.load(), conflicts.load().catch(() => {})]);
  app?.link.refresh();
  route();
}

async function login(event) {
  event.preventDefault();
  unlockAudio();
  askNotifications();
  const token = $('token').value.trim();
  if (!token) return;
  const button = $('login-submit');
  button.disabled = true;
  try {
    await start(token, Date.now() + SESSION_HOURS * 3_600_000);
  } catch (exc) {
    const key = exc instanceof ApiError ? { 401: 'login.bad_token', 403: 'login.forbidden' }[exc.status] || 'login.unreachable' : 'login.unreachable';
    if (app) endSession(key);
    else showLogin(key, true);
  } finally {
    button.disabled = false;
  }
}

function boot() {
  document.documentElement.lang = lang();
  applyStatic(document);
  languageSelect('login-lang');
  languageSelect('app-lang');
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => endSession('login.logged_out'));
  window.addEventListener('hashchange', route);
  // the board's details pane sticks below the header and the alarms, however tall they are
  const top = $('sticky-top');
  new ResizeObserver(() => document.documentElement.style.setProperty('--sticky-h', `${top.offsetHeight}px`)).observe(top);
  document.addEventListener('pointerdown', unlockAudio, { once: true });
  document.addEventListener('keydown', unlockAudio, { once: true });
  document.addEventListener('pointerdown', askNotifications, { once: true });
  const previous = saved();
  if (previous && previous.expires > Date.now()) {
    start(previous.token, previous.expires).catch(() => endSession('login.revoked'));
  } else showLogin(previous ? 'login.expired' : null);
}

boot();

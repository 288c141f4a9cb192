// Labels in the operator's language. Static markup names its label with data-i18n (text),
// data-i18n-placeholder, data-i18n-title or data-i18n-label (aria-label); code calls t().

import en from './i18n/en.js';
import formsEn from './i18n/forms_en.js';
import formsRu from './i18n/forms_ru.js';
import ru from './i18n/ru.js';

export const DICTIONARIES = { en: { ...en, ...formsEn }, ru: { ...ru, ...formsRu } };
export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'ru', name: 'Русский' },
];
const STORAGE_KEY = 'hotline.lang';
const listeners = new Set();
export const missing = new Set(); // keys asked for but absent (tests assert it stays empty)

function initial() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && saved in DICTIONARIES) return saved;
  } catch {
    // storage unavailable: fall through
  }
  return 'en';
}

let current = initial();

export function lang() {
  return current;
}

/** The label for `key` with {name} placeholders filled from `params`. */
export function t(key, params) {
  let text = DICTIONARIES[current][key];
  if (text === undefined) {
    missing.add(`${current}:${key}`);
    text = DICTIONARIES.en[key] ?? key;
  }
  if (params) text = text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
  return text;
}

/** An enumeration value in the operator's language (the value itself if unknown). */
export function tEnum(name, value) {
  const key = `enum.${name}.${value}`;
  if (DICTIONARIES[current][key] === undefined && DICTIONARIES.en[key] === undefined) return String(value);
  return t(key);
}

/** Apply the current language to static markup under `root`. */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel));
}

export function setLang(code) {
  if (!(code in DICTIONARIES) || code === current) return;
  current = code;
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // not kept: fine
  }
  document.documentElement.lang = code;
  applyStatic(document);
  for (const fn of listeners) fn(code);
}

/** Call `fn` after every language switch; returns an unsubscribe function. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

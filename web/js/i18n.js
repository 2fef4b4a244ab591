// Dutch and English. Every sentence a person reads lives in strings.js; this module picks the
// language (saved in localStorage, first guess from the browser) and fills in {placeholders}.
import { STRINGS, ERRORS } from "./strings.js";

const KEY = "heitje.lang";
const listeners = new Set();

export function lang() {
  const saved = localStorage.getItem(KEY);
  if (saved === "nl" || saved === "en") return saved;
  return (navigator.language || "nl").toLowerCase().startsWith("en") ? "en" : "nl";
}

export function setLang(value) {
  localStorage.setItem(KEY, value);
  document.documentElement.lang = value;
  listeners.forEach((fn) => fn(value));
}

export function onLangChange(fn) {
  listeners.add(fn);
}

/** The sentence for `key` in the current language, with {name} placeholders filled from `params`. */
export function t(key, params = {}) {
  const table = STRINGS[lang()];
  let text = table[key] ?? STRINGS.en[key];
  if (text === undefined) {
    console.warn("missing string", key);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? `{${name}}`));
}

/** Like t(), for a count: `${key}_one` when n is exactly 1, else `${key}_other` (both languages work so). */
export function tn(key, n, params = {}) {
  return t(Number(n) === 1 ? `${key}_one` : `${key}_other`, { n, ...params });
}

export function hasString(key) {
  return key in STRINGS[lang()];
}

/** A sentence a citizen understands for an error from the API (or from the network). */
export function errorText(error) {
  const table = ERRORS[lang()];
  const code = error?.code;
  const problem = error?.details?.problem;
  if (code && problem && table[`${code}:${problem}`]) return table[`${code}:${problem}`];
  if (code && table[code]) return table[code];
  const status = error?.status;
  if (status === 401) return table.unauthorized;
  if (status === 403) return table.forbidden;
  if (status === 404) return table.not_found;
  if (status === 409) return table.conflict;
  if (status === 413) return table.photo_too_large;
  if (status === 422) return table.validation_error;
  if (status === 503) return table.chain_unavailable;
  if (status >= 500) return table.server_error;
  return table.unknown;
}

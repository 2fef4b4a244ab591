// Small pieces shared by the screens: lists from the API, dates, status pills, polling.
import { h } from "../dom.js";
import { t, lang, errorText } from "../i18n.js";

/** A list from the API, whether it answers with a bare array or {items: [...]}. */
export function items(result, ...keys) {
  if (Array.isArray(result)) return result;
  for (const key of ["items", ...keys]) if (Array.isArray(result?.[key])) return result[key];
  return [];
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(lang() === "nl" ? "nl-NL" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function isToday(iso) {
  const date = new Date(iso);
  const now = new Date();
  return date.getFullYear() === now.getFullYear() && date.getMonth() === now.getMonth() && date.getDate() === now.getDate();
}

export function pill(text, kind = "", testid = null) {
  return h("span", { class: `pill ${kind}`, testid }, text);
}

/** A paragraph with the error as a sentence (screens show it instead of a broken page). */
export function failure(error) {
  return h("p", { class: "error", role: "alert", testid: "load-error" }, errorText(error));
}

/** Runs `fn` every `ms` while the screen is shown (stops when the person navigates away). */
export function every(ctx, ms, fn) {
  let stopped = false;
  const timer = setInterval(() => { if (!stopped && ctx.alive()) fn(); }, ms);
  ctx.onLeave(() => { stopped = true; clearInterval(timer); });
}

export function mapLink(lat, lon) {
  return `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=17/${lat}/${lon}`;
}

/** A transaction's short code for people: the first 4 and last 4 hex digits ("ab12…9f3c"). */
export function shortHash(hash) {
  const hex = String(hash).replace(/^0x/i, "");
  return hex.length > 10 ? `${hex.slice(0, 4)}…${hex.slice(-4)}` : hex;
}

/** A receipt line: the short code, with the whole transaction behind "details". */
export function txLine(hash) {
  return hash ? h("details", { class: "small muted tx", testid: "tx" },
    h("summary", {}, t("transaction"), " ", h("span", { class: "mono", testid: "tx-code" }, shortHash(hash)),
      " · ", t("tx_details")),
    h("span", { class: "mono", testid: "tx-hash", style: "word-break:break-all" }, hash)) : null;
}

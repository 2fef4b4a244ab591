// Small pieces shared by the screens: lists from the API, dates, status pills, polling.
import { h, fill } from "../dom.js";
import { t, lang, errorText } from "../i18n.js";
import { apiPage } from "../api.js";

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

/**
 * A list the API pages (README, "Lists and paging"), newest first: the first page, and a "load more"
 * button (testid `<testid>-more`) that appends the next one. `refresh()` reads the first page again and
 * keeps the older rows already loaded below it when the new page reaches them (else starts over), so no
 * row shows twice. `pick(json)` takes the rows out of an answer that is not a bare list (an account's
 * history); `onPage(rows, json)` sees every page read (the first one's answer too).
 */
export function pagedList({ path, query = {}, key = (row) => row.id, render, empty, testid, pick = (json) => items(json),
  onPage = () => {}, as = "div", attrs = {} }) {
  const box = h(as, { ...attrs, testid });
  const error = h("p", { class: "error", role: "alert" });
  let rows = [];
  let next = null;
  let loadedMore = false;
  const more = h("button", { type: "button", class: "secondary", testid: `${testid}-more`, hidden: true, onclick: async () => {
    more.disabled = true;
    try {
      const page = await apiPage(path, { query, cursor: next });
      const fresh = pick(page.items);
      onPage(fresh, page.items);
      const known = new Set(rows.map(key));
      rows = [...rows, ...fresh.filter((row) => !known.has(key(row)))];
      next = page.next;
      loadedMore = true;
      show();
    } catch (e) {
      error.textContent = errorText(e);
    } finally {
      more.disabled = false;
    }
  } }, t("more"));
  function show() {
    fill(box, rows.length ? rows.map(render) : (empty ? empty() : null));
    more.hidden = !next;
  }
  async function refresh() {
    const page = await apiPage(path, { query });
    const fresh = pick(page.items);
    onPage(fresh, page.items);
    const oldKeys = rows.map(key);
    const cut = Math.max(-1, ...fresh.map((row) => oldKeys.indexOf(key(row))));
    if (!loadedMore || cut < 0 || !page.next) {
      rows = fresh;
      next = page.next;
      loadedMore = false;
    } else {
      rows = [...fresh, ...rows.slice(cut + 1)];  // the older pages stay, their cursor too
    }
    error.textContent = "";
    show();
    return fresh;
  }
  return { element: h("div", {}, box, error, more), refresh, rows: () => rows, hasMore: () => Boolean(next) };
}

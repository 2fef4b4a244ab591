// Offline: the last balance this device saw (per address, with when), a notice while the connection
// is gone, and the service worker that keeps the app's files. Nothing that moves money waits here to
// be sent later: a payment needs the connection, and the app says so.
import { h, fill } from "./dom.js";
import { t } from "./i18n.js";
import { formatApi } from "./money.js";
import { when } from "./views/common.js";

const LAST = "heitje.last-balance.";

export function rememberBalance(address, balance) {
  if (address) localStorage.setItem(LAST + address, JSON.stringify({ balance, at: new Date().toISOString() }));
}

export function lastBalance(address) {
  try {
    return address ? JSON.parse(localStorage.getItem(LAST + address) || "null") : null;
  } catch {
    return null;
  }
}

export function isOffline() {
  return navigator.onLine === false;
}

/** The offline notice with the last known balance of `address` (when there is one). */
export function offlineCard(address) {
  const last = lastBalance(address);
  return h("div", { class: "offline stack", role: "status", testid: "offline-notice" },
    h("p", {}, t("offline_notice")),
    last ? h("div", {},
      h("div", { class: "muted small" }, t("offline_balance_at", { when: when(last.at) })),
      h("div", { class: "big", testid: "offline-balance" }, formatApi(last.balance))) : null);
}

/** Shows `offlineCard` in `holder` while the browser is offline, and hides it when back online. */
export function watchConnection(holder, address) {
  const draw = () => {
    holder.hidden = !isOffline();
    if (isOffline()) fill(holder, offlineCard(address()));
  };
  window.addEventListener("online", draw);
  window.addEventListener("offline", draw);
  draw();
}

export function registerServiceWorker() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("sw.js").catch(() => null);
}

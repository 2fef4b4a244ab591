// The shell: hash routes, the language switch, the mode (citizen / shop / city) and the tabs.
import { h, fill } from "./dom.js";
import { t, lang, setLang, onLangChange } from "./i18n.js";
import * as wallet from "./wallet.js";
import * as session from "./session.js";
import { hasToken } from "./api.js";
import { ROUTES } from "./routes.js";
import { icon } from "./icons.js";
import { watchConnection, registerServiceWorker } from "./offline.js";

const view = document.getElementById("view");
const tabs = document.getElementById("tabs");
const modeSelect = document.getElementById("mode");
let cleanups = [];
let renderId = 0;

const TABS = {
  citizen: [
    ["#/tasks", "tasks", "tab_tasks"],
    ["#/claims", "camera", "tab_claims"],
    ["#/wallet", "wallet", "tab_wallet"],
    ["#/pay", "pay", "tab_pay"],
  ],
  shop: [
    ["#/shop", "till", "tab_checkout"],
    ["#/shop/redeem", "bank", "tab_redeem"],
    ["#/wallet", "wallet", "tab_wallet"],
  ],
  city: [
    ["#/city/review", "review", "tab_review"],
    ["#/city/tasks", "tasks", "tab_city_tasks"],
    ["#/city/shops", "shops", "tab_shops"],
    ["#/city/payouts", "payouts", "tab_payouts"],
    ["#/city/report", "report", "tab_report"],
    ["#/city/audit", "report", "tab_audit"],
  ],
};
const HOME = { citizen: "#/tasks", shop: "#/shop", city: "#/city/review" };

export function navigate(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

export function banner(text, kind = "error") {
  const el = document.getElementById("banner");
  if (!text) {
    el.hidden = true;
    return;
  }
  el.textContent = text;
  el.className = `banner${kind === "ok" ? " ok" : ""}`;
  el.dataset.testid = `banner-${kind}`;
  el.hidden = false;
}

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}

function match(path) {
  for (const route of ROUTES) {
    const names = [];
    const pattern = new RegExp(`^${route.path.replace(/:(\w+)/g, (_, n) => { names.push(n); return "([^/]+)"; })}$`);
    const found = pattern.exec(path);
    if (found) return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])])) };
  }
  return null;
}

function drawShell(activePath) {
  document.querySelectorAll("[data-lang]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.lang === lang())));
  const signedIn = wallet.isUnlocked() && hasToken();
  const modes = session.modes();
  modeSelect.hidden = !signedIn || modes.length < 2;
  fill(modeSelect, ...modes.map((m) => h("option", { value: m, selected: m === session.mode() }, t(`mode_${m}`))));
  tabs.hidden = !signedIn;
  const account = document.getElementById("account-link");
  account.hidden = !signedIn;
  if (!account.firstElementChild) account.append(icon("user", 26));
  // Words never proven written down: a reminder on every screen until they are.
  const reminder = document.getElementById("reminder");
  const remind = signedIn && wallet.backupPending() && activePath !== "/backup";
  reminder.hidden = !remind;
  if (remind) {
    fill(reminder, t("backup_reminder"), " ", h("a", { href: "#/backup", testid: "backup-reminder-link" }, t("backup_reminder_link")));
  }
  if (!signedIn) return;
  fill(tabs, ...TABS[session.mode()].map(([href, glyph, key]) =>
    h("a", { href, "aria-current": activePath === href.slice(1) ? "page" : null, testid: `tab-${key}` },
      h("span", { class: "ico" }, icon(glyph)), t(key))));
}

async function render() {
  const id = ++renderId;
  cleanups.forEach((fn) => fn());
  cleanups = [];
  banner(null);
  const { path, query } = parseHash();
  let found = match(path);
  // Where a person must be before this screen: a wallet, then unlocked and signed in.
  if (path === "/" || path === "") found = match(home());
  // An unknown path: a friendly page with a way back, not a blank screen.
  if (!found) found = { route: { auth: false, view: notFound }, params: {} };
  const { route, params } = found;
  if (route.auth !== false) {
    if (!wallet.walletKind() || !wallet.isUnlocked() || !hasToken()) {
      // Come back here afterwards (a shop's payment link opened before the wallet existed).
      if (path !== "/") sessionStorage.setItem("heitje.after-unlock", location.hash);
      return go(wallet.walletKind() ? "#/unlock" : "#/welcome", {});
    }
    if (route.role && !session.has(route.role)) return go(HOME[session.mode()], {});
    if (route.mode && session.mode() !== route.mode && session.modes().includes(route.mode)) {
      sessionStorage.setItem("heitje.mode", route.mode);
    }
  }
  drawShell(path);
  const ctx = {
    params,
    query,
    onLeave: (fn) => cleanups.push(fn),
    rerender: render,
    navigate,
    banner,
    alive: () => id === renderId,
  };
  try {
    const node = await route.view(ctx);
    if (id !== renderId) return;
    fill(view, node);
    drawShell(path);
    view.focus({ preventScroll: true });
  } catch (error) {
    console.error(error);
    if (id === renderId) fill(view, h("p", { class: "error" }, t("screen_failed")));
  }
}

function notFound() {
  return h("section", { class: "stack", testid: "not-found" },
    h("h1", {}, t("not_found_title")),
    h("p", {}, t("not_found_text")),
    h("a", { class: "button", href: "#/", testid: "not-found-home" }, t("not_found_home")));
}

function home() {
  if (!wallet.walletKind()) return "/welcome";
  if (!wallet.isUnlocked() || !hasToken()) return "/unlock";
  return HOME[session.mode()].slice(1);
}

function go(hash, query) {
  const search = new URLSearchParams(query).toString();
  const target = search ? `${hash}?${search}` : hash;
  if (location.hash === target) return render();
  location.replace(target);
  return undefined;
}

// An error said about a form's input goes as soon as the person changes that input.
document.addEventListener("input", (event) => {
  const form = event.target.closest?.("form");
  form?.querySelectorAll(".error[role=alert]").forEach((el) => { el.textContent = ""; });
});
document.querySelectorAll("[data-lang]").forEach((button) =>
  button.addEventListener("click", () => setLang(button.dataset.lang)));
modeSelect.addEventListener("change", () => {
  session.setMode(modeSelect.value);
  navigate(HOME[modeSelect.value]);
});
onLangChange(() => render());
window.addEventListener("hashchange", render);
document.documentElement.lang = lang();
watchConnection(document.getElementById("offline"), () => session.state.address || wallet.storedAddress());
registerServiceWorker();
render();

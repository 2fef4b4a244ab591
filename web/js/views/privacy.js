// A person's data rights on the account screen: download everything Heitje holds, the yearly
// statement (PDF), and erasure - after a confirmation that says what the city keeps.
import { h, fill, busy } from "../dom.js";
import { t, lang, errorText } from "../i18n.js";
import { api, download } from "../api.js";

function statementPart() {
  const now = new Date().getFullYear();
  const year = h("select", { testid: "statement-year", "aria-label": t("privacy_statement_year") },
    [now, now - 1, now - 2].map((y) => h("option", { value: y }, y)));
  const error = h("p", { class: "error", role: "alert", testid: "statement-error" });
  const box = h("div", { class: "stack" });
  const button = h("button", { class: "secondary", testid: "statement", onclick: () => busy(box, async () => {
    error.textContent = "";
    try {
      await download("GET", `/me/statement/${year.value}`, `heitje-${year.value}.pdf`, { query: { lang: lang() } });
    } catch (e) {
      error.textContent = errorText(e);
    }
  }) }, t("privacy_statement"));
  return fill(box, h("label", {}, t("privacy_statement_year"), year), button, error);
}

function erasePart() {
  const box = h("div", { class: "stack" });
  const error = h("p", { class: "error", role: "alert", testid: "erase-error" });
  const start = h("button", { class: "danger", testid: "erase", onclick: () => fill(box, confirmation) }, t("privacy_erase"));
  const confirmation = h("div", { class: "notice stack", testid: "erase-confirm" },
    h("strong", {}, t("privacy_erase_title")),
    h("p", {}, t("privacy_erase_gone")),
    h("p", {}, t("privacy_erase_kept")),
    h("p", {}, t("privacy_erase_chain")),
    error,
    h("button", { class: "danger", testid: "erase-yes", onclick: () => busy(confirmation, async () => {
      error.textContent = "";
      try {
        const done = await api("POST", "/me/erase");
        fill(box, h("p", { class: "notice", testid: "erase-done" }, t("privacy_erased", {
          photos: done.photos_deleted, notes: done.notes_deleted, claims: done.claims_kept_pseudonymous })));
      } catch (e) {
        error.textContent = errorText(e);
      }
    }) }, t("privacy_erase_yes")),
    h("button", { class: "secondary", testid: "erase-cancel", onclick: () => fill(box, start) }, t("cancel")));
  return fill(box, start);
}

/** The "Your data" card of the account screen. */
export function dataRights() {
  const error = h("p", { class: "error", role: "alert", testid: "export-error" });
  const card = h("div", { class: "card stack", testid: "data-rights" });
  const get = (path, name) => busy(card, async () => {
    error.textContent = "";
    try {
      await download("GET", path, name);
    } catch (e) {
      error.textContent = errorText(e);
    }
  });
  return fill(card,
    h("h2", {}, t("privacy_title")),
    h("p", { class: "muted small" }, t("privacy_intro")),
    h("button", { class: "secondary", testid: "export", onclick: () => get("/me/export", "heitje-my-data.json") }, t("privacy_export")),
    h("button", { class: "secondary", testid: "export-page", onclick: () => get("/me/export.html", "heitje-my-data.html") }, t("privacy_export_page")),
    error,
    statementPart(),
    erasePart());
}

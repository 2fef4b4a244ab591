// First visit, the recovery phrase (shown once), restore, unlock with the passphrase, the account.
import { h, formValues, busy, shortAddress } from "../dom.js";
import { t, errorText } from "../i18n.js";
import * as wallet from "../wallet.js";
import * as session from "../session.js";
import { dataRights } from "./privacy.js";

let phraseToShow = null; // kept only until the person confirms they wrote it down

function progressText(fraction) {
  return t("working_percent", { percent: Math.round(fraction * 100) });
}

function afterSignIn(ctx) {
  const target = sessionStorage.getItem("heitje.after-unlock");
  sessionStorage.removeItem("heitje.after-unlock");
  ctx.navigate(target && !target.startsWith("#/unlock") && !target.startsWith("#/welcome") && !target.startsWith("#/wallet/")
    ? target : "#/");
}

async function signInOrExplain(ctx, errorEl) {
  try {
    await session.signIn();
    return true;
  } catch (error) {
    errorEl.textContent = errorText(error);
    return false;
  }
}

export async function welcome() {
  return h("section", { class: "stack", testid: "welcome" },
    h("h1", {}, t("welcome_title")),
    h("p", {}, t("welcome_intro")),
    h("a", { class: "button", href: "#/wallet/new", testid: "start-new" }, t("welcome_new")),
    h("a", { class: "button secondary", href: "#/wallet/restore", testid: "start-restore" }, t("welcome_restore")),
    wallet.hasInjected()
      ? h("button", { class: "secondary", testid: "start-injected", onclick: (e) => connectInjected(e) }, t("welcome_injected"))
      : null,
    h("p", { class: "muted small" }, t("welcome_privacy")));
}

async function connectInjected(event) {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await wallet.useInjected();
    await session.signIn();
    location.hash = "#/";
  } catch (error) {
    button.after(h("p", { class: "error" }, errorText(error)));
  } finally {
    button.disabled = false;
  }
}

function passphraseFields() {
  return [
    h("label", {}, t("passphrase"),
      h("input", { type: "password", name: "passphrase", autocomplete: "new-password", minlength: wallet.MIN_PASSPHRASE, required: true, testid: "passphrase" })),
    h("label", {}, t("passphrase_again"),
      h("input", { type: "password", name: "again", autocomplete: "new-password", required: true, testid: "passphrase-again" })),
    h("p", { class: "muted small" }, t("passphrase_hint", { n: wallet.MIN_PASSPHRASE })),
  ];
}

function checkPassphrase(values) {
  if (values.passphrase.length < wallet.MIN_PASSPHRASE) return t("passphrase_short", { n: wallet.MIN_PASSPHRASE });
  if (values.passphrase !== values.again) return t("passphrase_mismatch");
  return null;
}

export async function createWallet(ctx) {
  if (phraseToShow) return showPhrase(ctx);
  const error = h("p", { class: "error", role: "alert", testid: "form-error" });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const form = h("form", { testid: "create-form" },
    ...passphraseFields(), error, status,
    h("button", { type: "submit", testid: "create-submit" }, t("create_submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    error.textContent = checkPassphrase(values) || "";
    if (error.textContent) return;
    busy(form, async () => {
      const { phrase } = await wallet.createWallet(values.passphrase, (f) => { status.textContent = progressText(f); });
      phraseToShow = phrase;
      ctx.rerender();
    }).catch((e) => { error.textContent = errorText(e); });
  });
  return h("section", { testid: "create-wallet" },
    h("h1", {}, t("create_title")), h("p", {}, t("create_intro")),
    wallet.walletKind() ? h("p", { class: "notice", testid: "replaces-wallet" }, t("restore_replaces")) : null,
    form);
}

function showPhrase(ctx) {
  const error = h("p", { class: "error", role: "alert" });
  const confirm = h("input", { type: "checkbox", name: "written", required: true, testid: "phrase-written" });
  const form = h("form", {},
    h("label", { class: "check" }, confirm, t("phrase_confirm")),
    error,
    h("button", { type: "submit", testid: "phrase-done" }, t("continue")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(form, async () => {
      phraseToShow = null; // shown once: after this it exists only inside the encrypted keystore
      if (await signInOrExplain(ctx, error)) afterSignIn(ctx);
    });
  });
  return h("section", { testid: "recovery-phrase" },
    h("h1", {}, t("phrase_title")),
    h("div", { class: "notice", role: "note" }, h("strong", {}, t("phrase_warning_title")), " ", t("phrase_warning")),
    h("ol", { class: "phrase", testid: "phrase-words" }, phraseToShow.split(" ").map((word) => h("li", {}, word))),
    form);
}

export async function restoreWallet(ctx) {
  const error = h("p", { class: "error", role: "alert", testid: "form-error" });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const form = h("form", { testid: "restore-form" },
    h("label", {}, t("restore_secret"),
      h("textarea", { name: "secret", rows: 3, required: true, autocomplete: "off", autocapitalize: "none", spellcheck: "false", testid: "restore-secret" })),
    ...passphraseFields(), error, status,
    h("button", { type: "submit", testid: "restore-submit" }, t("restore_submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    error.textContent = checkPassphrase(values) || "";
    if (error.textContent) return;
    busy(form, async () => {
      try {
        await wallet.restoreWallet(values.secret, values.passphrase, (f) => { status.textContent = progressText(f); });
      } catch (e) {
        error.textContent = e instanceof wallet.BadRecovery ? t("restore_bad") : errorText(e);
        return;
      }
      status.textContent = "";
      if (await signInOrExplain(ctx, error)) afterSignIn(ctx);
    });
  });
  return h("section", { testid: "restore-wallet" },
    h("h1", {}, t("restore_title")), h("p", {}, t("restore_intro")),
    wallet.walletKind() ? h("p", { class: "notice" }, t("restore_replaces")) : null,
    form);
}

export async function unlock(ctx) {
  if (wallet.walletKind() === "injected") {
    const error = h("p", { class: "error", role: "alert" });
    const button = h("button", { testid: "connect-injected", onclick: () => busy(button.parentElement, async () => {
      try {
        await wallet.useInjected();
      } catch (e) {
        error.textContent = errorText(e);
        return;
      }
      if (await signInOrExplain(ctx, error)) afterSignIn(ctx);
    }) }, t("unlock_injected"));
    return h("section", { class: "stack" }, h("h1", {}, t("unlock_title")), button, error);
  }
  const error = h("p", { class: "error", role: "alert", testid: "form-error" });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const form = h("form", { testid: "unlock-form" },
    h("label", {}, t("passphrase"),
      h("input", { type: "password", name: "passphrase", autocomplete: "current-password", required: true, autofocus: true, testid: "unlock-passphrase" })),
    error, status,
    h("button", { type: "submit", testid: "unlock-submit" }, t("unlock_submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const { passphrase } = formValues(form);
    error.textContent = "";
    busy(form, async () => {
      try {
        await wallet.unlock(passphrase, (f) => { status.textContent = progressText(f); });
      } catch (e) {
        status.textContent = "";
        error.textContent = e instanceof wallet.WrongPassphrase ? t("wrong_passphrase") : errorText(e);
        return;
      }
      status.textContent = "";
      if (await signInOrExplain(ctx, error)) afterSignIn(ctx);
    });
  });
  return h("section", { testid: "unlock" },
    h("h1", {}, t("unlock_title")),
    h("p", {}, t("unlock_intro", { address: shortAddress(wallet.storedAddress()) })),
    form,
    h("p", { class: "small" }, h("a", { href: "#/wallet/restore" }, t("unlock_other"))));
}

export async function account(ctx) {
  const forget = h("button", { class: "danger", testid: "forget", onclick: () => {
    if (!window.confirm(t("forget_confirm"))) return;
    wallet.forget();
    session.signOut();
    ctx.navigate("#/welcome");
  } }, t("forget"));
  return h("section", { class: "stack", testid: "account" },
    h("h1", {}, t("account_title")),
    h("div", { class: "card" }, h("div", { class: "muted small" }, t("your_address")),
      h("div", { class: "mono", testid: "my-address" }, session.state.address)),
    h("p", {}, t("account_roles", { roles: session.state.roles.map((r) => t(`role_${r}`)).join(", ") })),
    dataRights(),
    h("button", { class: "secondary", testid: "sign-out", onclick: () => { session.signOut(); ctx.navigate("#/unlock"); } }, t("sign_out")),
    forget);
}

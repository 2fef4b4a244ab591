// First visit, the recovery phrase (shown once), restore, unlock with the passphrase, the account.
import { h, fill, formValues, busy, shortAddress } from "../dom.js";
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
    // A shop starts with a wallet of its own like anyone, then shows the city its code.
    h("a", { class: "button secondary", href: "#/wallet/new", testid: "start-shop",
      onclick: () => sessionStorage.setItem("heitje.after-unlock", "#/shop/join") }, t("welcome_shop")),
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
  return wordsAndQuiz(phraseToShow, async (error) => {
    if (await signInOrExplain(ctx, error)) {
      phraseToShow = null; // proven written down: from now on only the encrypted keystore holds it
      afterSignIn(ctx);
    }
  });
}

const QUIZ_SIZE = 3;

/** QUIZ_SIZE distinct word positions (0-based), in order, chosen at random. */
function quizPositions(count) {
  const picked = new Set();
  const random = new Uint32Array(1);
  while (picked.size < Math.min(QUIZ_SIZE, count)) {
    crypto.getRandomValues(random);
    picked.add(random[0] % count);
  }
  return [...picked].sort((a, b) => a - b);
}

/**
 * The recovery words, then a check that they were written down: QUIZ_SIZE of them at random
 * positions. Until the check passes, the words stay available (a reminder shows on every screen).
 */
function wordsAndQuiz(phrase, onDone) {
  const words = phrase.split(" ");
  const section = h("section", { testid: "recovery-phrase" });
  function showWords() {
    const confirm = h("input", { type: "checkbox", name: "written", required: true, testid: "phrase-written" });
    const form = h("form", {},
      h("label", { class: "check" }, confirm, t("phrase_confirm")),
      h("button", { type: "submit", testid: "phrase-done" }, t("continue")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      showQuiz();
    });
    fill(section,
      h("h1", {}, t("phrase_title")),
      h("div", { class: "notice", role: "note" }, h("strong", {}, t("phrase_warning_title")), " ", t("phrase_warning")),
      h("ol", { class: "phrase", testid: "phrase-words" }, words.map((word) => h("li", {}, word))),
      form);
  }
  function showQuiz() {
    const positions = quizPositions(words.length);
    const error = h("p", { class: "error", role: "alert", testid: "quiz-error" });
    const inputs = positions.map((at) => h("input", {
      name: `word-${at}`, autocomplete: "off", autocapitalize: "none", spellcheck: "false", required: true,
      testid: "quiz-word", dataset: { position: at + 1 }, oninput: () => { error.textContent = ""; },
    }));
    const form = h("form", { testid: "phrase-quiz" },
      positions.map((at, i) => h("label", {}, t("quiz_word", { n: at + 1 }), inputs[i])),
      error,
      h("button", { type: "submit", testid: "quiz-submit" }, t("quiz_submit")),
      h("button", { type: "button", class: "secondary", testid: "quiz-show-again", onclick: showWords }, t("quiz_show_again")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const right = positions.every((at, i) => inputs[i].value.trim().toLowerCase() === words[at]);
      if (!right) {
        error.textContent = t("quiz_wrong");
        return;
      }
      wallet.markBackedUp();
      busy(form, () => onDone(error));
    });
    fill(section, h("h1", {}, t("quiz_title")), h("p", {}, t("quiz_intro")), form);
    inputs[0]?.focus();
  }
  showWords();
  return section;
}

/** The words again, after the passphrase (from the reminder, or the account page). */
export async function backup(ctx) {
  const error = h("p", { class: "error", role: "alert", testid: "form-error" });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const holder = h("section", { testid: "backup" });
  const form = h("form", { testid: "backup-form" },
    h("label", {}, t("passphrase"),
      h("input", { type: "password", name: "passphrase", autocomplete: "current-password", required: true, testid: "backup-passphrase",
        oninput: () => { error.textContent = ""; } })),
    error, status,
    h("button", { type: "submit", testid: "backup-submit" }, t("backup_show")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const { passphrase } = formValues(form);
    busy(form, async () => {
      let phrase;
      try {
        phrase = await wallet.revealPhrase(passphrase, (f) => { status.textContent = progressText(f); });
      } catch (e) {
        status.textContent = "";
        error.textContent = e instanceof wallet.WrongPassphrase ? t("wrong_passphrase") : errorText(e);
        return;
      }
      if (!phrase) {
        status.textContent = "";
        error.textContent = t("backup_no_words");
        return;
      }
      fill(holder, wordsAndQuiz(phrase, async () => {
        ctx.navigate("#/");
        ctx.banner(t("backup_done"), "ok");
      }));
    });
  });
  return fill(holder, h("h1", {}, t("backup_title")), h("p", {}, t("backup_intro")), form);
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
    session.has("merchant") ? null : h("a", { href: "#/shop/join", testid: "to-shop-join" }, t("shop_join_link")),
    wallet.walletKind() === "local" && wallet.hasPhrase()
      ? h("a", { href: "#/backup", testid: "to-backup" }, t("backup_link")) : null,
    dataRights(),
    h("button", { class: "secondary", testid: "sign-out", onclick: () => { session.signOut(); ctx.navigate("#/unlock"); } }, t("sign_out")),
    forget);
}

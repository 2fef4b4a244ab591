// Paying a shop: scan its code (or paste its link), see who and how much, confirm, done.
import { icon } from "../icons.js";
import { h, fill, busy, shortAddress } from "../dom.js";
import { t, errorText } from "../i18n.js";
import { api } from "../api.js";
import { formatApi, unitsFromApi } from "../money.js";
import * as session from "../session.js";
import { parsePayment, startScanner } from "../qr.js";
import * as payments from "../payments.js";
import { failure, txLine, pill, every } from "./common.js";

function coins(amount) {
  return t("coins", { amount: formatApi(amount) });
}

export async function pay(ctx) {
  if (payments.pendingPayment()) return pendingScreen(ctx);
  if (ctx.query.done) return doneScreen(ctx);
  if (ctx.query.to && ctx.query.amount) {
    // Each confirm screen gets a one-time key in its address: once its payment went out, Back or a
    // reload of that address shows "already paid" instead of a button that would sign a new one.
    if (!ctx.query.key) {
      location.replace(`#/pay?${new URLSearchParams({ ...ctx.query, key: oneTimeKey() })}`);
      return h("section", { testid: "pay-loading" });
    }
    const receipt = payments.paidFor(ctx.query.key);
    if (receipt) return alreadyPaidScreen(ctx, receipt);
    return confirmScreen(ctx);
  }
  return scanScreen(ctx);
}

/** A till's payment request (the https link its QR code holds): paid at most once. */
export async function payRequest(ctx) {
  if (payments.pendingPayment()) return pendingScreen(ctx);
  let request;
  try {
    request = await api("GET", `/payment-requests/${encodeURIComponent(ctx.params.id)}`);
  } catch (error) {
    return failure(error);
  }
  if (request.payment) {
    return alreadyPaidScreen(ctx, {
      amount: request.amount, shop: request.merchant_name,
      tx_hash: request.payment.tx_hash, status: request.payment.status,
    });
  }
  if (request.status === "expired") {
    return h("section", { class: "stack", testid: "pay-expired" },
      h("h1", {}, t("pay_title")), h("p", { class: "error" }, t("pay_request_expired")),
      h("a", { class: "button secondary", href: "#/pay" }, t("back")));
  }
  return confirmScreen(ctx, { to: request.merchant, amount: request.amount, requestId: request.id });
}

function oneTimeKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The request id in a till's link ("https://…/#/pay/<id>"), or null. */
function requestIdOf(text) {
  const match = /#\/pay\/([A-Za-z0-9_-]{8,32})(?:[?#]|$)/.exec(String(text ?? "").trim());
  return match ? match[1] : null;
}

function alreadyPaidScreen(ctx, receipt) {
  const state = h("p", { style: "text-align:center", testid: "pay-state" });
  const show = (status) => fill(state, status === "confirmed" ? pill(t("pay_confirmed"), "good")
    : status === "failed" ? pill(t("pay_failed"), "bad") : pill(t("on_its_way"), "wait"));
  show(receipt.status);
  if (receipt.tx_hash && receipt.status !== "confirmed" && receipt.status !== "failed") {
    every(ctx, 1500, async () => {
      const payment = await api("GET", `/payments/${receipt.tx_hash}`).catch(() => null);
      if (payment) show(payment.status);
    });
  }
  return h("section", { class: "stack", testid: "pay-already" },
    h("div", { class: "done-mark" }, icon("review", 72)),
    h("h1", { style: "text-align:center" }, t("pay_already_title")),
    h("p", { style: "text-align:center", testid: "pay-already-text" },
      t("pay_already_text", { amount: formatApi(receipt.amount), shop: receipt.shop ?? "" })),
    state,
    txLine(receipt.tx_hash),
    h("a", { class: "button", href: "#/wallet", testid: "to-wallet" }, t("to_wallet")));
}

/** A code for another coin or chain is refused before anything is shown as payable. */
async function otherCoin(request) {
  const { coin, chainId } = await session.chainInfo();
  if (request.coin && coin && request.coin.toLowerCase() !== coin.toLowerCase()) return true;
  return Boolean(request.chainId && chainId && Number(request.chainId) !== Number(chainId));
}

async function goConfirm(ctx, request, error) {
  if (request.requestId) {
    ctx.navigate(`#/pay/${request.requestId}`);
    return;
  }
  if (await otherCoin(request)) {
    error.textContent = t("qr_other_coin");
    return;
  }
  const params = new URLSearchParams({ to: request.to, amount: request.amount });
  if (request.ref) params.set("ref", request.ref);
  ctx.navigate(`#/pay?${params}`);
}

function scanScreen(ctx) {
  const error = h("p", { class: "error", role: "alert", testid: "pay-error" });
  const video = h("video", { class: "scan", hidden: true, muted: true, playsinline: true });
  let stop = null;
  ctx.onLeave(() => stop?.());
  const camera = h("button", { testid: "scan", onclick: async () => {
    error.textContent = "";
    try {
      video.hidden = false;
      camera.disabled = true;
      stop = await startScanner(video, (text) => {
        const id = requestIdOf(text);
        const request = id ? { requestId: id } : parsePayment(text);
        if (request) goConfirm(ctx, request, error);
        else error.textContent = t("qr_not_payment");
      });
    } catch {
      video.hidden = true;
      camera.disabled = false;
      error.textContent = t("no_camera");
    }
  } }, t("scan_button"));
  const input = h("textarea", { rows: 3, testid: "pay-link", autocapitalize: "none", spellcheck: "false", "aria-label": t("paste_label") });
  const form = h("form", {}, h("label", {}, t("paste_label"), input),
    h("button", { type: "submit", class: "secondary", testid: "pay-link-go" }, t("continue")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const id = requestIdOf(input.value);
    const request = id ? { requestId: id } : parsePayment(input.value);
    if (request) goConfirm(ctx, request, error);
    else error.textContent = t("link_not_payment");
  });
  return h("section", { class: "stack", testid: "pay-scan" },
    h("h1", {}, t("pay_title")), h("p", {}, t("pay_intro")),
    camera, video, error, h("h2", {}, t("or_paste")), form);
}

async function confirmScreen(ctx, given = null) {
  const request = given ?? parsePayment(`to=${ctx.query.to}&amount=${ctx.query.amount}`);
  if (!request) return h("p", { class: "error" }, t("link_not_payment"));
  let shop;
  let account;
  try {
    // The API decides whom a citizen can pay (a merchant, or anyone while transfers are open).
    const [payee, me] = await Promise.all([
      api("GET", `/payments/payees/${encodeURIComponent(request.to)}`),
      api("GET", `/accounts/${session.state.address}`),
    ]);
    shop = { ...payee, name: payee.name || shortAddress(payee.address) };
    account = me;
  } catch (error) {
    return failure(error);
  }
  if (!shop.can_pay && shop.reason !== "merchant_not_ready") {
    return h("section", { class: "stack", testid: "pay-confirm" },
      h("h1", {}, t("pay_title")), h("p", { class: "error", testid: "not-a-shop" }, t("not_a_shop")),
      h("a", { class: "button secondary", href: "#/pay" }, t("back")));
  }
  if (!shop.can_pay) {
    return h("section", { class: "stack", testid: "pay-confirm" },
      h("h1", {}, t("pay_title")), h("p", { class: "error", testid: "shop-not-ready" }, t("shop_not_ready", { shop: shop.name })),
      h("a", { class: "button secondary", href: "#/pay" }, t("back")));
  }
  const enough = unitsFromApi(account.balance) >= unitsFromApi(request.amount);
  const error = h("p", { class: "error", role: "alert", testid: "pay-error" });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const confirm = h("button", { testid: "pay-confirm-button", disabled: !enough }, t("pay_confirm", { amount: formatApi(request.amount) }));
  const box = h("div", { class: "stack" }, confirm, status, error,
    h("a", { class: "button secondary", href: "#/wallet" }, t("cancel")));
  confirm.addEventListener("click", () => busy(box, async () => {
    error.textContent = "";
    try {
      status.textContent = t("pay_signing");
      await payments.signPayment({
        to: request.to, amount: request.amount, shop: shop.name,
        requestId: request.requestId ?? null, screenKey: request.requestId ? null : ctx.query.key,
      });
      status.textContent = t("pay_sending");
      await payments.sendPending();
      ctx.navigate("#/pay?done=1");
    } catch (e) {
      status.textContent = "";
      if (payments.pendingPayment()) ctx.rerender(); // saved: the pending screen offers "try again"
      else if (e?.code === "payment_request_paid") ctx.rerender(); // paid meanwhile: show the receipt
      else error.textContent = errorText(e);
    }
  }));
  return h("section", { class: "stack", testid: "pay-confirm" },
    h("h1", {}, t("pay_title")),
    h("div", { class: "card stack" },
      h("div", { class: "muted" }, t("pay_to")),
      h("div", { class: "big", style: "font-size:1.6rem", testid: "pay-shop" }, shop.name),
      h("div", { class: "muted" }, t("amount")),
      h("div", { class: "big", testid: "pay-amount" }, coins(request.amount))),
    h("p", { class: "muted small" }, t("pay_balance", { amount: formatApi(account.balance) })),
    enough ? null : h("p", { class: "error", testid: "not-enough" }, t("not_enough")),
    box);
}

function pendingScreen(ctx) {
  const pending = payments.pendingPayment();
  const error = h("p", { class: "error", role: "alert", testid: "pay-error" });
  const retry = h("button", { testid: "pay-retry" }, t("pay_retry"));
  const box = h("div", { class: "stack" }, retry, error);
  retry.addEventListener("click", () => busy(box, async () => {
    error.textContent = "";
    try {
      await payments.sendPending();
      ctx.navigate("#/pay?done=1");
    } catch (e) {
      if (payments.pendingPayment()) error.textContent = `${errorText(e)} ${t("pay_kept")}`;
      else fill(box, h("p", { class: "error", testid: "pay-refused" }, errorText(e)),
        h("a", { class: "button secondary", href: "#/wallet" }, t("back")));
    }
  }));
  return h("section", { class: "stack", testid: "pay-pending" },
    h("h1", {}, t("pay_pending_title")),
    h("div", { class: "notice" }, t("pay_pending_text", { amount: formatApi(pending.amount), shop: pending.shop })),
    box);
}

function doneScreen(ctx) {
  const last = JSON.parse(localStorage.getItem(`heitje.pending-payment.${session.state.address}.last`) || "null");
  const hash = last?.result?.tx_hash;
  const state = h("p", { style: "text-align:center", testid: "pay-state" });
  const show = (status) => fill(state, status === "confirmed" ? pill(t("pay_confirmed"), "good")
    : status === "failed" ? pill(t("pay_failed"), "bad") : pill(t("on_its_way"), "wait"));
  show(last?.result?.status);
  if (hash && last.result.status !== "confirmed") {
    // The shop's till shows it as soon as the chain has it; follow it here too.
    every(ctx, 1500, async () => {
      const payment = await api("GET", `/payments/${hash}`).catch(() => null);
      if (payment) show(payment.status);
    });
  }
  return h("section", { class: "stack", testid: "pay-done" },
    h("div", { class: "done-mark" }, icon("review", 72)),
    h("h1", { style: "text-align:center" }, t("pay_done")),
    last ? h("p", { style: "text-align:center", testid: "pay-done-text" }, t("pay_done_text", { amount: formatApi(last.amount), shop: last.shop })) : null,
    last ? state : null,
    last ? txLine(hash) : null,
    h("a", { class: "button", href: "#/wallet", testid: "to-wallet" }, t("to_wallet")));
}

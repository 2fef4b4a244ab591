// The shop: the checkout (an amount -> a code the citizen scans), payments coming in live, today's
// takings; redeeming coins for euros (signed here, relayed by the API) and the state of each payout.
import { icon } from "../icons.js";
import { h, fill, busy, formValues } from "../dom.js";
import { t, errorText } from "../i18n.js";
import { api } from "../api.js";
import { formatApi, formatUnits, unitsFromInput, unitsFromApi, apiAmount } from "../money.js";
import * as session from "../session.js";
import * as wallet from "../wallet.js";
import { qrSvg } from "../qr.js";
import { items, when, isToday, pill, failure, every, txLine, pagedList } from "./common.js";

function coins(amount) {
  return t("coins", { amount: formatApi(amount) });
}

// The API has no list of a shop's incoming payments yet (GET /payments?to= is tried first, for
// when it exists). Until then the till notices payments by watching its balance rise, and keeps
// what it saw in this device's localStorage: "today's takings" are those seen on this till.
function tillKey() {
  return `heitje.till.${session.state.address}`;
}

function tillLog() {
  return JSON.parse(localStorage.getItem(tillKey()) || "[]");
}

function watcher() {
  let lastBalance = null;
  let listWorks = true;
  return async function incoming() {
    if (listWorks) {
      try {
        const list = items(await api("GET", "/payments", { query: { to: session.state.address } }), "payments");
        return list.map((p) => ({ amount: p.amount, at: p.created_at || p.at, status: p.status, tx_hash: p.tx_hash }))
          .sort((a, b) => String(b.at).localeCompare(String(a.at)));
      } catch {
        listWorks = false;
      }
    }
    const account = await api("GET", `/accounts/${session.state.address}`);
    const units = unitsFromApi(account.balance);
    const log = tillLog();
    if (lastBalance !== null && units > lastBalance) {
      log.unshift({ amount: apiAmount(units - lastBalance), at: new Date().toISOString(), status: "confirmed" });
      localStorage.setItem(tillKey(), JSON.stringify(log.slice(0, 500)));
    }
    lastBalance = units;
    return log;
  };
}

/** A payment request (POST /payment-requests): its https link is what the citizen's phone scans. */
async function newRequest(amount) {
  return api("POST", "/payment-requests", { json: { amount } });
}

export async function checkout(ctx) {
  const codeBox = h("div", { testid: "checkout-code" });
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { testid: "checkout-form" },
    h("label", {}, t("checkout_amount"),
      h("input", { name: "amount", inputmode: "decimal", autocomplete: "off", placeholder: "12,50", required: true, testid: "checkout-amount" })),
    error,
    h("button", { type: "submit", testid: "checkout-show" }, t("checkout_show")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const units = unitsFromInput(formValues(form).amount);
    if (units === null) {
      error.textContent = t("amount_invalid");
      return;
    }
    error.textContent = "";
    busy(form, async () => {
      let request;
      try {
        request = await newRequest(apiAmount(units));
      } catch (e) {
        error.textContent = errorText(e);
        return;
      }
      current = request; // the till now waits for this request, and only this one
      fill(codeBox,
        h("div", { class: "card", style: "text-align:center", testid: "checkout-card", dataset: { request: request.id } },
          h("div", { class: "big", testid: "checkout-due" }, t("coins", { amount: formatUnits(units) })),
          h("div", { class: "qr", "aria-label": t("checkout_scan_me") }, qrSvg(request.url)),
          h("p", { class: "muted small" }, t("checkout_scan_me")),
          requestState,
          h("details", {}, h("summary", {}, t("checkout_link")),
            h("p", { class: "mono", testid: "checkout-payload" }, request.url))));
      fill(requestState, pill(t("checkout_waiting"), "wait", "checkout-state"));
    });
  });
  const takings = h("div", { class: "card" });
  const list = h("div", { testid: "incoming" });
  const incoming = watcher();
  const requestState = h("p", { "aria-live": "polite" });
  let current = null; // the request whose code is shown, until it is paid or expires
  // "Paid" only for the till's own request, once its payment is in a block (the API says so at inclusion;
  // the money is counted when the indexer confirms it CONFIRMATIONS blocks deep).
  async function follow() {
    if (!current) return;
    const shown = current;
    const request = await api("GET", `/payment-requests/${encodeURIComponent(shown.id)}`).catch(() => null);
    if (!request || current !== shown) return;
    if (request.status === "paid") {
      fill(codeBox, h("div", { class: "card", style: "text-align:center", testid: "checkout-paid", dataset: { request: request.id } },
        h("div", { class: "done-mark" }, icon("review", 72)),
        h("div", { class: "big" }, t("coins", { amount: formatApi(request.amount) })), h("p", {}, t("checkout_paid")),
        txLine(request.payment?.tx_hash)));
      current = null;
    } else if (request.status === "paying") {
      fill(requestState, pill(t("on_its_way"), "wait", "checkout-state")); // relayed; the indexer confirms it
    } else if (request.status === "expired") {
      fill(requestState, pill(t("checkout_expired"), "bad", "checkout-state"));
      current = null;
    } else if (request.status === "failed") {
      fill(requestState, pill(t("failed"), "bad", "checkout-state"));
      current = null;
    }
  }
  async function refresh() {
    try {
      await follow();
      const received = await incoming();
      const today = received.filter((p) => isToday(p.at) && p.status !== "failed");
      const total = today.reduce((sum, p) => sum + unitsFromApi(p.amount), 0);
      fill(takings, h("div", { class: "muted" }, t("takings_today")),
        h("div", { class: "big", testid: "takings" }, formatUnits(total)),
        h("div", { class: "muted small" }, t("payments_count", { n: today.length })));
      fill(list, received.length ? received.slice(0, 20).map((p) =>
        h("div", { class: "card row", testid: "incoming-payment" },
          h("span", {}, h("strong", {}, coins(p.amount)), h("br"), h("span", { class: "small muted" }, when(p.at))),
          p.status === "confirmed" ? pill(t("received"), "good") : p.status === "failed" ? pill(t("failed"), "bad") : pill(t("on_its_way"), "wait"))) :
        h("p", { class: "muted" }, t("no_payments")));
    } catch (e) {
      fill(list, failure(e));
    }
  }
  await refresh();
  every(ctx, 2000, refresh);
  // The shown request once a second more: "paid" comes at inclusion, and a customer waits at the till.
  every(ctx, 1000, () => { if (current) follow(); });
  return h("section", { testid: "checkout" },
    h("h1", {}, t("checkout_title")), form, codeBox,
    h("h2", {}, t("today")), takings,
    h("h2", {}, t("incoming_title")), list);
}

// The API's one lifecycle: requested -> sent -> burned -> due -> exported -> paid (or failed).
function redemptionState(r) {
  if (r.status === "paid") return [t("payout_paid"), "good"];
  if (r.status === "exported") return [t("payout_exported"), "wait"];
  if (r.status === "due" || r.status === "burned") return [t("payout_due"), "wait"];
  if (r.status === "failed") return [t("failed"), "bad"];
  if (r.status === "sent") return [t("redeem_sent"), "wait"];
  return [t("redeem_requested"), ""];
}

export async function redeem(ctx) {
  let account;
  try {
    account = await api("GET", `/accounts/${session.state.address}`);
  } catch (e) {
    return failure(e);
  }
  const error = h("p", { class: "error", role: "alert", testid: "redeem-error" });
  const status = h("p", { class: "muted", "aria-live": "polite" });
  const form = h("form", { testid: "redeem-form" },
    h("label", {}, t("redeem_amount"),
      h("input", { name: "amount", inputmode: "decimal", autocomplete: "off", value: formatApi(account.balance), required: true, testid: "redeem-amount" })),
    error, status,
    h("button", { type: "submit", testid: "redeem-submit" }, t("redeem_submit")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const units = unitsFromInput(formValues(form).amount);
    if (units === null) {
      error.textContent = t("amount_invalid");
      return;
    }
    error.textContent = "";
    busy(form, async () => {
      try {
        status.textContent = t("pay_signing");
        const offer = await api("POST", "/redemptions", { json: { amount: apiAmount(units) } });
        const signature = await wallet.signTypedData(offer.typed_data);
        const m = offer.typed_data.message;
        status.textContent = t("pay_sending");
        await api("POST", "/redemptions/relay", { json: {
          merchant: m.merchant, amount: Number(m.amount), ref: m.ref,
          validAfter: Number(m.validAfter), validBefore: Number(m.validBefore), nonce: m.nonce, signature,
        } });
        ctx.rerender();
        ctx.banner(t("redeem_done", { amount: formatUnits(units) }), "ok");
      } catch (e) {
        status.textContent = "";
        error.textContent = errorText(e);
      }
    });
  });
  const list = pagedList({ path: "/redemptions", testid: "redemptions",
    render: (r) => {
      const [label, kind] = redemptionState(r);
      return h("div", { class: "card", testid: "redemption", dataset: { status: r.status } },
        h("div", { class: "row" }, h("strong", {}, coins(r.amount)), pill(label, kind, "redemption-state")),
        h("div", { class: "small muted" }, when(r.created_at)), txLine(r.tx_hash));
    },
    empty: () => h("p", { class: "muted" }, t("no_redemptions")) });
  const listError = h("div", {});
  async function refresh() {
    try {
      await list.refresh();
      fill(listError);
    } catch (e) {
      fill(listError, failure(e));
    }
  }
  await refresh();
  every(ctx, 3000, refresh);
  return h("section", { testid: "redeem" },
    h("h1", {}, t("redeem_title")),
    h("div", { class: "card" }, h("div", { class: "muted" }, t("balance")), h("div", { class: "big", testid: "balance" }, formatApi(account.balance))),
    h("p", {}, t("redeem_intro")), form,
    h("h2", {}, t("redemptions_title")), list.element, listError);
}

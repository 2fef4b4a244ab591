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
import { items, when, isToday, pill, failure, every, txLine } from "./common.js";

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

/** What the citizen's phone scans: the API's EIP-681 request (docs/qr-payload.md). */
async function checkoutPayload(amount) {
  const result = await api("POST", "/payments/checkout", { json: { merchant: session.state.address, amount } });
  return { qr: result.uri, payload: result.payload };
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
      let payload;
      try {
        payload = await checkoutPayload(apiAmount(units));
      } catch (e) {
        error.textContent = errorText(e);
        return;
      }
      expected = { units, since: new Date().toISOString() };
      fill(codeBox,
        h("div", { class: "card", style: "text-align:center", testid: "checkout-card" },
          h("div", { class: "big", testid: "checkout-due" }, t("coins", { amount: formatUnits(units) })),
          h("div", { class: "qr", "aria-label": t("checkout_scan_me") }, qrSvg(payload.qr)),
          h("p", { class: "muted small" }, t("checkout_scan_me")),
          h("details", {}, h("summary", {}, t("checkout_link")),
            h("p", { class: "mono", testid: "checkout-payload" }, payload.qr))));
    });
  });
  const takings = h("div", { class: "card" });
  const list = h("div", { testid: "incoming" });
  const incoming = watcher();
  let expected = null; // the amount on the code now shown, until it is paid
  async function refresh() {
    try {
      const received = await incoming();
      if (expected && received.some((p) => p.at >= expected.since && unitsFromApi(p.amount) >= expected.units)) {
        fill(codeBox, h("div", { class: "card", style: "text-align:center", testid: "checkout-paid" },
          h("div", { class: "done-mark" }, icon("review", 72)),
          h("div", { class: "big" }, t("coins", { amount: formatUnits(expected.units) })), h("p", {}, t("checkout_paid"))));
        expected = null;
      }
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
  const list = h("div", { testid: "redemptions" });
  async function refresh() {
    try {
      const rows = items(await api("GET", "/redemptions"), "redemptions").sort((a, b) => (b.id ?? 0) - (a.id ?? 0));
      fill(list, rows.length ? rows.map((r) => {
        const [label, kind] = redemptionState(r);
        return h("div", { class: "card", testid: "redemption", dataset: { status: r.status } },
          h("div", { class: "row" }, h("strong", {}, coins(r.amount)), pill(label, kind, "redemption-state")),
          h("div", { class: "small muted" }, when(r.created_at)), txLine(r.tx_hash));
      }) : h("p", { class: "muted" }, t("no_redemptions")));
    } catch (e) {
      fill(list, failure(e));
    }
  }
  await refresh();
  every(ctx, 3000, refresh);
  return h("section", { testid: "redeem" },
    h("h1", {}, t("redeem_title")),
    h("div", { class: "card" }, h("div", { class: "muted" }, t("balance")), h("div", { class: "big", testid: "balance" }, formatApi(account.balance))),
    h("p", {}, t("redeem_intro")), form,
    h("h2", {}, t("redemptions_title")), list);
}

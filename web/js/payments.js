// Paying a shop without gas: the API hands out the EIP-3009 typed data, the wallet signs it here,
// the API relays it. A payment is never sent twice: the signed authorization (with its nonce) is
// saved in localStorage before it is sent and kept until the API has accepted it; a retry sends
// exactly the same authorization, and the API is idempotent on (from, nonce).
import { api, ApiError } from "./api.js";
import * as wallet from "./wallet.js";
import * as session from "./session.js";

function key() {
  return `heitje.pending-payment.${session.state.address}`;
}

/** The payment signed but not yet accepted by the API, if any: {body, shop, amount, signedAt}. */
export function pendingPayment() {
  const saved = localStorage.getItem(key());
  return saved ? JSON.parse(saved) : null;
}

export function dropPending() {
  localStorage.removeItem(key());
}

/**
 * Signs a payment of `amount` ("12.50") to `to` and keeps it as the pending payment. With
 * `requestId` (a till's payment request) the API hands out typed data whose nonce belongs to that
 * request, so no second authorization for it can ever be executed; `screenKey` names the confirm screen
 * this payment came from, which is marked done once it is sent (see paidFor).
 */
export async function signPayment({ to, amount, shop, requestId = null, screenKey = null }) {
  const helper = requestId
    ? await api("POST", `/payment-requests/${encodeURIComponent(requestId)}/typed-data`, { json: { from: session.state.address } })
    : await api("POST", "/payments/typed-data", { json: { from: session.state.address, to, amount } });
  const typed = helper.typed_data ?? helper;
  const signature = await wallet.signTypedData(typed);
  const message = typed.message;
  // Exactly the signed fields (POST /payments, backend/payments/routes.py TransferIn).
  const body = {
    from: message.from,
    to: message.to,
    value: Number(message.value),
    validAfter: Number(message.validAfter),
    validBefore: Number(message.validBefore),
    nonce: message.nonce,
    signature,
  };
  if (requestId) body.request_id = requestId;
  const pending = { body, shop, amount, requestId, key: screenKey, signedAt: new Date().toISOString() };
  localStorage.setItem(key(), JSON.stringify(pending));
  return pending;
}

/**
 * A failure worth trying again with the same authorization: no answer, the server's fault, signed out
 * (401: the payer signs in again and sends it), or not now (429: a rate limit or the day's gas budget).
 */
export function isTransient(error) {
  return error instanceof ApiError && ([0, 401, 429].includes(error.status) || error.status >= 500);
}

/**
 * Sends the pending payment. Returns the API's answer ({tx_hash, status}); the pending payment is
 * dropped once the API has accepted it, or refused it for good (a 4xx: it can never go through).
 */
export async function sendPending() {
  const pending = pendingPayment();
  if (!pending) throw new Error("nothing to send");
  try {
    const result = await api("POST", "/payments", { json: pending.body });
    dropPending();
    const done = { ...pending, result, paidAt: new Date().toISOString() };
    localStorage.setItem(`${key()}.last`, JSON.stringify(done));
    remember(done);
    markPaid(done);
    return done;
  } catch (error) {
    if (!isTransient(error)) dropPending();
    throw error;
  }
}

// Payments made from this device are kept here so the citizen sees them at once; the API's
// history lists them too once the indexer has seen them confirmed (the view drops the duplicate).
function historyKey() {
  return `heitje.payments.${session.state.address}`;
}

function remember(done) {
  const list = paymentsMade();
  if (list.some((p) => p.nonce === done.body.nonce)) return;
  list.unshift({ nonce: done.body.nonce, shop: done.shop, amount: done.amount, tx_hash: done.result?.tx_hash ?? null, at: done.paidAt });
  localStorage.setItem(historyKey(), JSON.stringify(list.slice(0, 200)));
}

// The confirm screens whose payment went out (by their one-time key, or the request's id): going
// Back to one, or reloading it, shows "already paid" with the receipt instead of a live button.
function paidKey() {
  return `heitje.paid.${session.state.address}`;
}

function markPaid(done) {
  const keys = [done.key, done.requestId ? `request:${done.requestId}` : null].filter(Boolean);
  if (!keys.length) return;
  const paid = JSON.parse(localStorage.getItem(paidKey()) || "{}");
  const receipt = { amount: done.amount, shop: done.shop, tx_hash: done.result?.tx_hash ?? null, status: done.result?.status ?? null, at: done.paidAt };
  for (const k of keys) paid[k] = receipt;
  const recent = Object.entries(paid).sort((a, b) => String(b[1].at).localeCompare(String(a[1].at))).slice(0, 200);
  localStorage.setItem(paidKey(), JSON.stringify(Object.fromEntries(recent)));
}

/** The receipt of the payment made from the confirm screen `key` ("request:<id>" for a request), or null. */
export function paidFor(key) {
  if (!key) return null;
  return JSON.parse(localStorage.getItem(paidKey()) || "{}")[key] ?? null;
}

export function paymentsMade() {
  return JSON.parse(localStorage.getItem(historyKey()) || "[]");
}

// A shop finds its way in: its address as a QR code, a copy button and a short registration code to
// give the city. While it waits, the app asks who it is now and again (GET /auth/me); once the city
// has registered it, the till opens - no signing out and in.
import { h, busy } from "../dom.js";
import { t, errorText } from "../i18n.js";
import { qrSvg } from "../qr.js";
import * as session from "../session.js";
import { every, failure } from "./common.js";

const POLL_MS = 2500;

function openTill(ctx) {
  session.setMode("shop");
  ctx.navigate("#/shop");
}

export async function join(ctx) {
  let me;
  try {
    me = await session.refreshRoles();
  } catch (error) {
    return failure(error);
  }
  if (session.has("merchant")) {
    openTill(ctx);
    return h("p", { class: "muted" }, t("shop_join_registered"));
  }
  const copied = h("span", { class: "small muted", "aria-live": "polite", testid: "copy-status" });
  const address = h("div", { class: "mono", testid: "shop-join-address" }, me.address);
  const copy = h("button", { type: "button", class: "secondary", testid: "copy-address", onclick: async () => {
    try {
      await navigator.clipboard.writeText(me.address);
      copied.textContent = t("copied");
    } catch {
      // No clipboard permission: select the address so the person can copy it by hand.
      const range = document.createRange();
      range.selectNodeContents(address);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      copied.textContent = t("copy_by_hand");
    }
  } }, t("copy_address"));
  const waiting = h("p", { class: "muted", "aria-live": "polite", testid: "shop-join-waiting" }, t("shop_join_waiting"));
  const error = h("p", { class: "error", role: "alert" });
  every(ctx, POLL_MS, async () => {
    try {
      await session.refreshRoles();
      error.textContent = "";
      if (session.has("merchant")) {
        ctx.banner(t("shop_join_welcome"), "ok");
        openTill(ctx);
      }
    } catch (e) {
      error.textContent = errorText(e);
    }
  });
  const check = h("button", { type: "button", testid: "shop-join-check", onclick: () => busy(box, async () => {
    await session.refreshRoles().catch((e) => { error.textContent = errorText(e); });
    if (session.has("merchant")) openTill(ctx);
    else waiting.textContent = t("shop_join_not_yet");
  }) }, t("shop_join_check"));
  const box = h("div", { class: "stack" }, waiting, check, error);
  return h("section", { class: "stack", testid: "shop-join" },
    h("h1", {}, t("shop_join_title")),
    h("p", {}, t("shop_join_intro")),
    h("div", { class: "card stack qr-card" },
      h("div", { class: "qr", testid: "shop-join-qr" }, qrSvg(me.address)),
      h("div", { class: "muted small" }, t("registration_code")),
      h("div", { class: "code", testid: "registration-code" }, me.registration_code),
      h("div", { class: "muted small" }, t("your_address")), address,
      h("div", { class: "row" }, copy, copied)),
    box);
}

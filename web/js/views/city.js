// The city's operator: the review queue with photos, tasks (create, close), shops (register),
// payout batches (SEPA file, four-eyes confirmation, mark paid), the audit trail.
import { h, fill, busy, formValues, shortAddress } from "../dom.js";
import { t, tn, errorText } from "../i18n.js";
import { api, apiPage, objectUrl, download } from "../api.js";
import { formatApi, unitsFromInput, unitsFromApi, apiAmount, formatUnits } from "../money.js";
import { items, when, pill, failure, every, pagedList } from "./common.js";
import { startScanner } from "../qr.js";

function coins(amount) {
  return tn("coins", Number(amount), { amount: formatApi(amount) });
}

function reviewCard(ctx, claim, task, onDone, onPick) {
  const photo = h("img", { class: "proof", alt: t("proof_photo"), testid: "review-photo" });
  objectUrl((claim.photo_url || `/api/v1/claims/${claim.id}/photo`).replace(/^\/api\/v1/, "")).then((url) => { photo.src = url; }).catch(() => { photo.alt = t("photo_missing"); });
  const error = h("p", { class: "error", role: "alert", testid: "review-error" });
  const reason = h("input", { name: "reason", testid: "reject-reason-input", placeholder: t("reject_reason_hint"), "aria-label": t("reason") });
  const card = h("div", { class: "card stack", testid: "review-card", dataset: { claimId: claim.id } });
  const pick = h("input", { type: "checkbox", testid: "review-select", "aria-label": t("select_claim"), onchange: () => onPick() });
  card.picked = () => pick.checked;
  card.pick = (on) => { pick.checked = on; };
  card.showError = (text) => { error.textContent = text; };
  const act = (path, body) => busy(card, async () => {
    try {
      await api("POST", `/claims/${claim.id}/${path}`, body ? { json: body } : {});
      onDone(card);
    } catch (e) {
      error.textContent = errorText(e);
    }
  });
  const approve = h("button", { testid: "approve", onclick: () => act("approve") }, t("approve"));
  const reject = h("button", { class: "danger", testid: "reject", onclick: () => {
    if (!reason.value.trim()) {
      error.textContent = t("reject_needs_reason");
      reason.focus();
      return;
    }
    act("reject", { reason: reason.value.trim() });
  } }, t("reject"));
  fill(card,
    h("div", { class: "row" }, h("label", { class: "check" }, pick, h("strong", {}, task ? task.title : t("task_number", { id: claim.task_id }))),
      task ? h("span", { class: "coins" }, coins(task.reward)) : null),
    h("div", { class: "small muted" }, t("by_citizen", { who: shortAddress(claim.citizen) }), " · ", when(claim.submitted_at || claim.created_at)),
    photo,
    claim.note ? h("p", { testid: "review-note" }, `“${claim.note}”`) : null,
    approve, h("div", { class: "row" }, reason, reject), error);
  return card;
}

export async function review(ctx) {
  let taskById;
  let bulk = null;
  const empty = h("p", { class: "muted", testid: "review-empty" }, t("review_empty"));
  const count = h("p", { class: "muted" });
  const cardList = () => [...queue.element.querySelectorAll("[data-testid=review-card]")];
  const cards = () => cardList().length;
  const counted = () => {
    count.textContent = t("review_count", { n: `${cards()}${queue.hasMore() ? "+" : ""}` });
    empty.hidden = cards() > 0 || queue.hasMore();
    if (bulk) {
      bulk.hidden = cards() === 0;
      bulk.update();
    }
  };
  const done = (card) => {
    card.remove();
    counted();
    ctx.banner(t("review_saved"), "ok");
  };
  // the queue is paged (oldest claims first would be fairer, but every list is newest first): "load more"
  const queue = pagedList({ path: "/claims", query: { status: "submitted" }, testid: "review-list",
    render: (c) => reviewCard(ctx, c, taskById.get(String(c.task_id)), done, () => bulk && bulk.update()),
    onPage: () => setTimeout(counted) });
  bulk = bulkBar(cardList, (decided) => {
    decided.forEach((card) => card.remove());
    counted();
  });
  try {
    const tasks = await api("GET", "/tasks").then((r) => items(r, "tasks"));
    taskById = new Map(tasks.map((x) => [String(x.id), x]));
    await queue.refresh();
  } catch (e) {
    return failure(e);
  }
  counted();
  every(ctx, 5000, async () => {
    if (cards()) return; // do not move cards under the operator's hand
    const fresh = await api("GET", "/claims", { query: { status: "submitted" } }).then((r) => items(r, "claims")).catch(() => []);
    if (fresh.some((c) => c.status === "submitted")) ctx.rerender();
  });
  return h("section", { testid: "review" },
    h("h1", {}, t("review_title")), count, bulk, queue.element, empty);
}

// Select several cards and decide them in one request (POST /claims/review); the API checks each
// claim as its own approve or reject would and answers per claim: decided cards go, refused ones
// stay with the API's reason on them.
const MAX_DECISIONS = 500;

function bulkBar(cards, onDecided) {
  const count = h("span", { class: "muted", testid: "selected-count" });
  const all = h("input", { type: "checkbox", testid: "review-select-all", "aria-label": t("select_all") });
  const reason = h("input", { name: "reason", testid: "bulk-reason-input", placeholder: t("reject_reason_hint"), "aria-label": t("reason") });
  const result = h("p", { role: "status", testid: "bulk-result", hidden: true });
  const say = (text) => { result.textContent = text; result.hidden = !text; };
  const bar = h("div", { class: "card stack", testid: "review-bulk" });
  const picked = () => cards().filter((card) => card.picked());
  bar.update = () => {
    const n = picked().length;
    count.textContent = t("selected_count", { n });
    all.checked = n > 0 && n === cards().length;
  };
  all.addEventListener("change", () => { cards().forEach((card) => card.pick(all.checked)); bar.update(); });
  const decide = (decision) => busy(bar, async () => {
    const chosen = picked();
    if (!chosen.length) {
      say(t("bulk_none"));
      return;
    }
    const byId = new Map(chosen.map((card) => [String(card.dataset.claimId), card]));
    const totals = { approved: 0, rejected: 0, refused: 0 };
    const decided = [];
    try {
      for (let at = 0; at < chosen.length; at += MAX_DECISIONS) {
        const decisions = chosen.slice(at, at + MAX_DECISIONS).map((card) => ({ claim_id: Number(card.dataset.claimId), decision }));
        const body = decision === "reject" ? { decisions, reason: reason.value.trim() } : { decisions };
        const answer = await api("POST", "/claims/review", { json: body });
        for (const key of Object.keys(totals)) totals[key] += answer[key];
        for (const r of answer.results) {
          const card = byId.get(String(r.claim_id));
          if (r.ok) decided.push(card);
          else card.showError(errorText({ ...r.error, status: 409 }));
        }
      }
      say(t("bulk_done", totals));
    } catch (e) {
      say(errorText(e));
    }
    onDecided(decided);
  });
  const reject = h("button", { class: "danger", testid: "reject-selected", onclick: () => {
    if (!reason.value.trim()) {
      say(t("reject_needs_reason"));
      reason.focus();
      return;
    }
    decide("reject");
  } }, t("reject_selected"));
  fill(bar,
    h("div", { class: "row" }, h("label", { class: "check" }, all, t("select_all")), count),
    h("button", { testid: "approve-selected", onclick: () => decide("approve") }, t("approve_selected")),
    h("div", { class: "row" }, reason, reject), result);
  bar.update();
  return bar;
}

// Closing a task needs POST /tasks/{id}/close, which the API does not have yet (the service has
// close_task): the button appears as soon as the API's OpenAPI document lists the route.
let canClose = null;
async function closeRouteExists() {
  if (canClose === null) {
    const spec = await fetch("/api/v1/openapi.json").then((r) => r.json()).catch(() => ({}));
    canClose = Boolean(spec.paths?.["/api/v1/tasks/{task_id}/close"]?.post);
  }
  return canClose;
}

export async function tasks(ctx) {
  let closable;
  const list = pagedList({ path: "/tasks", testid: "city-task-list", render: (task) => taskRow(task),
    empty: () => h("p", { class: "muted" }, t("no_tasks")) });
  try {
    closable = await closeRouteExists();  // (asked once per page load)
    await list.refresh();
  } catch (e) {
    return failure(e);
  }
  const all = list.rows();
  const error = h("p", { class: "error", role: "alert", testid: "task-form-error" });
  const field = (name, label, attrs = {}) => h("label", {}, t(label), h("input", { name, testid: `task-${name}`, ...attrs }));
  const form = h("form", { testid: "task-form" },
    field("title", "task_title", { required: true, maxlength: 120 }),
    h("label", {}, t("task_description"), h("textarea", { name: "description", rows: 3, required: true, testid: "task-description" })),
    field("district", "district", { required: true }),
    h("div", { class: "row" },
      field("reward", "reward", { required: true, inputmode: "decimal", placeholder: "15,00" }),
      field("capacity", "capacity", { required: true, type: "number", min: 1, value: 1 }),
      field("minutes", "minutes_label", { type: "number", min: 1 })),
    h("div", { class: "row" },
      field("latitude", "latitude", { inputmode: "decimal", placeholder: "50.8882" }),
      field("longitude", "longitude", { inputmode: "decimal", placeholder: "5.9795" })),
    field("closes_at", "closes", { type: "datetime-local" }),
    error, h("button", { type: "submit", testid: "task-create" }, t("task_create")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(form);
    const units = unitsFromInput(v.reward);
    if (units === null) {
      error.textContent = t("amount_invalid");
      return;
    }
    const body = { title: v.title, description: v.description, district: v.district, reward: apiAmount(units), capacity: Number(v.capacity) };
    if (v.minutes) body.minutes = Number(v.minutes);
    if (v.latitude) body.latitude = Number(v.latitude.replace(",", "."));
    if (v.longitude) body.longitude = Number(v.longitude.replace(",", "."));
    if (v.closes_at) body.closes_at = new Date(v.closes_at).toISOString();
    busy(form, async () => {
      try {
        await api("POST", "/tasks", { json: body });
        ctx.rerender();
        ctx.banner(t("task_created"), "ok");
      } catch (e) {
        error.textContent = errorText(e);
      }
    });
  });
  function taskRow(task) {
    const closeError = h("span", { class: "error" });
    const open = task.status ? task.status === "open" : !task.closed;
    return h("div", { class: "card", testid: "city-task", dataset: { taskId: task.id } },
      h("div", { class: "row" }, h("strong", {}, task.title), h("span", { class: "coins" }, coins(task.reward))),
      h("div", { class: "small muted" }, `${task.district} · ${t("places_taken", { taken: task.taken ?? "?", capacity: task.capacity })}`),
      h("div", { class: "row" }, open ? pill(t("task_open"), "good") : pill(t("task_not_open"), "bad"),
        open && closable ? h("button", { class: "secondary", testid: "task-close", onclick: async (e) => {
          if (!window.confirm(t("task_close_confirm", { title: task.title }))) return;
          e.currentTarget.disabled = true;
          try {
            await api("POST", `/tasks/${task.id}/close`);
            ctx.rerender();
          } catch (err) {
            closeError.textContent = errorText(err);
          }
        } }, t("task_close")) : null),
      closeError);
  }
  return h("section", { testid: "city-tasks" },
    h("h1", {}, t("city_tasks_title")),
    h("details", { class: "card", open: all.length === 0 }, h("summary", { testid: "task-new" }, h("strong", {}, t("task_new"))), form),
    list.element);
}

function shopState(m) {
  if (!m.active) return pill(t("shop_inactive"), "bad", "shop-state");
  if (m.chain_status === "confirmed") return pill(t("shop_active"), "good", "shop-state");
  if (m.chain_status === "failed") return pill(t("failed"), "bad", "shop-state");
  return pill(t("shop_pending"), "wait", "shop-state");
}

export async function shops(ctx) {
  const registry = pagedList({ path: "/merchants/registry", testid: "city-shop-list", key: (m) => m.address,
    render: (m) => h("div", { class: "card", testid: "city-shop", dataset: { address: m.address } },
      h("div", { class: "row" }, h("strong", {}, m.name), shopState(m)),
      h("div", { class: "mono" }, m.address),
      h("div", { class: "small muted" }, m.iban)),
    empty: () => h("p", { class: "muted" }, t("no_shops")) });
  let list;
  try {
    list = await registry.refresh();
  } catch (e) {
    return failure(e);
  }
  const error = h("p", { class: "error", role: "alert", testid: "shop-form-error" });
  const addressInput = h("input", { name: "address", required: true, class: "mono", placeholder: "0x… / 70997-970C5", autocapitalize: "characters", spellcheck: "false", testid: "shop-address",
    oninput: () => { error.textContent = ""; } });
  const video = h("video", { class: "scan", hidden: true, muted: true, playsinline: true });
  let stopScan = null;
  ctx.onLeave(() => stopScan?.());
  const scan = h("button", { type: "button", class: "secondary", testid: "shop-scan", onclick: async () => {
    error.textContent = "";
    try {
      video.hidden = false;
      stopScan = await startScanner(video, (text) => {
        video.hidden = true;
        addressInput.value = text.trim().replace(/^ethereum:/i, "").split(/[@?]/)[0];
      });
    } catch {
      video.hidden = true;
      error.textContent = t("no_camera");
    }
  } }, t("shop_scan"));
  const form = h("form", { testid: "shop-form" },
    h("label", {}, t("shop_name"), h("input", { name: "name", required: true, testid: "shop-name" })),
    h("label", {}, t("shop_address_or_code"), addressInput),
    scan, video,
    h("label", {}, t("shop_iban"), h("input", { name: "iban", required: true, placeholder: "NL91 ABNA 0417 1643 00", testid: "shop-iban" })),
    error, h("button", { type: "submit", testid: "shop-register" }, t("shop_register")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(form);
    error.textContent = "";
    busy(form, async () => {
      try {
        // The shop's short registration code (from its app) stands for its address.
        let address = v.address;
        if (/^[0-9a-f]{5}-?[0-9a-f]{5}$/i.test(address)) {
          address = (await api("GET", `/auth/registration-codes/${encodeURIComponent(address)}`)).address;
        }
        await api("POST", "/merchants", { json: { name: v.name, address, iban: v.iban.replace(/\s+/g, "") } });
        ctx.rerender();
        ctx.banner(t("shop_registered", { name: v.name }), "ok");
      } catch (e) {
        error.textContent = errorText(e);
      }
    });
  });
  // A just-registered shop becomes active when the sender's setMerchant is mined: show it live.
  const pendingShops = (rows) => rows.filter((m) => m.active && m.chain_status !== "confirmed" && m.chain_status !== "failed").length;
  if (pendingShops(list)) {
    every(ctx, 1500, async () => {
      const fresh = await api("GET", "/merchants/registry").then((r) => items(r, "merchants")).catch(() => null);
      if (fresh && pendingShops(fresh) !== pendingShops(list)) ctx.rerender();
    });
  }
  return h("section", { testid: "city-shops" },
    h("h1", {}, t("shops_title")),
    h("details", { class: "card" }, h("summary", { testid: "shop-new" }, h("strong", {}, t("shop_new"))), form),
    registry.element);
}

export async function payouts(ctx) {
  let due;
  let moreDue;
  let releases;
  let batches;
  try {
    // the largest page of due payouts; the SEPA file takes every one of them, shown or not
    [{ items: due, next: moreDue }, releases] = await Promise.all([
      apiPage("/payouts", { query: { status: "due", limit: 200 } }),
      api("GET", "/payouts/releases").then((r) => items(r, "releases")),
    ]);
    batches = pagedList({ path: "/payouts/batches", testid: "batch-list", render: (b) => batchRow(b),
      empty: () => h("p", { class: "muted" }, t("no_batches")) });
    await batches.refresh();
  } catch (e) {
    return failure(e);
  }
  const error = h("p", { class: "error", role: "alert", testid: "payout-error" });
  const dueCents = due.reduce((sum, p) => sum + unitsFromApi(p.euros), 0);
  const exportButton = h("button", { testid: "sepa-export", disabled: due.length === 0, onclick: () => busy(exportButton.parentElement, async () => {
    try {
      const result = await download("POST", "/payouts/sepa", "payouts.xml");
      ctx.rerender();
      ctx.banner(t(result.pending ? "sepa_awaiting" : "sepa_done"), "ok");
    } catch (e) {
      error.textContent = errorText(e);
    }
  }) }, t("sepa_export"));
  function batchRow(b) {
    const paid = Boolean(b.paid_at);
    const awaiting = releases.some((r) => r.batch_id === b.id && r.status === "awaiting_approval");
    const state = paid ? pill(t("payout_paid"), "good", "batch-state")
      : awaiting ? pill(t("batch_awaiting"), "wait", "batch-state") : pill(t("payout_exported"), "wait", "batch-state");
    if (awaiting) {
      // four eyes: another operator confirms before the file can be downloaded (the API refuses the exporter)
      return h("div", { class: "card", testid: "batch", dataset: { batchId: b.id } },
        h("div", { class: "row" }, h("strong", {}, t("batch_title", { id: b.id })), state),
        h("div", { class: "small muted" }, t("batch_line", { n: b.payout_count, euros: formatApi(b.euros) }), " · ", when(b.created_at)),
        h("p", { class: "small muted" }, t("batch_awaiting_hint")),
        h("button", { testid: "batch-confirm", onclick: async (e) => {
          e.currentTarget.disabled = true;
          try {
            await api("POST", `/payouts/batches/${b.id}/confirm`);
            ctx.rerender();
          } catch (err) {
            error.textContent = errorText(err);
          }
        } }, t("batch_confirm")));
    }
    return h("div", { class: "card", testid: "batch", dataset: { batchId: b.id } },
      h("div", { class: "row" }, h("strong", {}, t("batch_title", { id: b.id })), state),
      h("div", { class: "small muted" }, t("batch_line", { n: b.payout_count, euros: formatApi(b.euros) }), " · ", when(b.created_at)),
      h("div", { class: "row" },
        h("button", { class: "secondary", testid: "batch-download", onclick: () => download("GET", `/payouts/batches/${b.id}/sepa`, `batch-${b.id}.xml`).catch((e) => { error.textContent = errorText(e); }) }, t("download")),
        paid ? null : h("button", { testid: "batch-paid", onclick: async (e) => {
          if (!window.confirm(t("mark_paid_confirm", { id: b.id, euros: formatApi(b.euros) }))) return;
          e.currentTarget.disabled = true;
          try {
            await api("POST", `/payouts/batches/${b.id}/paid`);
            ctx.rerender();
          } catch (err) {
            error.textContent = errorText(err);
          }
        } }, t("mark_paid"))));
  }
  every(ctx, 5000, async () => {
    const fresh = await api("GET", "/payouts", { query: { status: "due", limit: 200 } }).then((r) => items(r, "payouts")).catch(() => null);
    if (fresh && fresh.length !== due.length) ctx.rerender();
  });
  return h("section", { testid: "city-payouts" },
    h("h1", {}, t("payouts_title")),
    h("div", { class: "card stack" },
      h("div", { class: "muted" }, t("payouts_due")),
      h("div", { class: "big", testid: "payouts-due" }, `€ ${formatUnits(dueCents)}`),
      h("div", { class: "small muted" }, t("payouts_due_count", { n: `${due.length}${moreDue ? "+" : ""}` })),
      due.map((p) => h("div", { class: "row small", testid: "due-payout" }, h("span", {}, p.merchant_name || shortAddress(p.merchant)),
        h("span", {}, `€ ${formatApi(p.euros)}`))),
      exportButton, error),
    h("h2", {}, t("batches_title")),
    batches.element);
}

export async function audit(ctx) {
  const entries = pagedList({ path: "/audit", testid: "audit-list",
    render: (e) => h("div", { class: "card", testid: "audit-entry" },
      h("div", { class: "row" }, h("strong", {}, t(`audit:${e.action}`)), h("span", { class: "small muted" }, when(e.at))),
      h("div", { class: "small" }, e.subject, " · ", e.actor === "cli" ? "cli" : shortAddress(e.actor))),
    empty: () => h("p", { class: "muted" }, t("audit_empty")) });
  try {
    await entries.refresh();
  } catch (e) {
    return failure(e);
  }
  const error = h("p", { class: "error", role: "alert" });
  // the CSV holds every entry (streamed by the API), not only the pages shown
  const csv = h("button", { class: "secondary", testid: "audit-csv", onclick: () => download("GET", "/audit", "heitje-audit.csv", { query: { format: "csv" } }).catch((e) => { error.textContent = errorText(e); }) }, t("download_csv"));
  return h("section", { testid: "city-audit" },
    h("h1", {}, t("audit_title")),
    h("p", { class: "muted" }, t("audit_intro")),
    csv, error,
    entries.element);
}

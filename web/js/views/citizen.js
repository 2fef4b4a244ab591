// The citizen: tasks by district, a task, claiming, sending the proof photo, following the claim,
// the balance and its history.
import { h, fill, busy, formValues } from "../dom.js";
import { t, tn, lang, errorText, hasString } from "../i18n.js";
import { api, apiPage } from "../api.js";
import { shrinkPhoto, upload } from "../upload.js";
import { rememberBalance, offlineCard } from "../offline.js";
import { formatApi } from "../money.js";
import * as session from "../session.js";
import { paymentsMade } from "../payments.js";
import { items, when, pill, failure, every, mapLink, txLine, pagedList } from "./common.js";

function coins(amount) {
  return tn("coins", Number(amount), { amount: formatApi(amount) });
}

function placesLeft(task) {
  if (task.places_left !== undefined) return task.places_left;
  if (task.taken !== undefined) return Math.max(0, task.capacity - task.taken);
  return null;
}

function taskIsOpen(task) {
  if (task.status) return task.status === "open";
  return !task.closed && placesLeft(task) !== 0;
}

function taskCard(task) {
  const left = placesLeft(task);
  return h("a", { class: "card", href: `#/tasks/${task.id}`, testid: "task-card", dataset: { taskId: task.id } },
    h("div", { class: "row" }, h("strong", {}, task.title), h("span", { class: "coins" }, coins(task.reward))),
    h("div", { class: "muted small" },
      task.district,
      task.minutes ? ` · ${t("minutes", { n: task.minutes })}` : "",
      left !== null ? ` · ${tn("places_left", left, { n: left })}` : ""),
    taskIsOpen(task) ? null : pill(t("task_not_open"), "bad"));
}

export async function tasks(ctx) {
  const chosen = ctx.query.district || "";
  const query = { district: chosen };  // the server filters, so each page is a page of this district
  let all;
  let next;
  try {
    ({ items: all, next } = await apiPage("/tasks", { query }));
  } catch (error) {
    return failure(error);
  }
  const visible = (task) => (!chosen || task.district === chosen) && (ctx.query.all || taskIsOpen(task));
  const list = h("div", { testid: "task-list" });
  const districts = new Set();
  const select = h("select", { testid: "district", "aria-label": t("district"), onchange: () => {
    ctx.navigate(select.value ? `#/tasks?district=${encodeURIComponent(select.value)}` : "#/tasks");
  } }, h("option", { value: "" }, t("all_districts")));
  const more = h("button", { type: "button", class: "secondary", testid: "more", onclick: async () => {
    more.disabled = true;
    try {
      const page = await apiPage("/tasks", { query, cursor: next });
      next = page.next;
      show(page.items);
    } catch (error) {
      more.replaceWith(failure(error));
    } finally {
      more.disabled = false;
    }
  } }, t("more"));
  function show(rows) {
    for (const d of [...new Set(rows.map((task) => task.district))].filter((d) => !districts.has(d)).sort()) {
      districts.add(d);
      select.append(h("option", { value: d, selected: d === chosen }, d));
    }
    list.append(...rows.filter(visible).map(taskCard));
    more.hidden = !next;
    const empty = !list.querySelector("[data-testid=task-card]");
    list.querySelector("[data-testid=no-tasks]")?.remove();
    if (empty && !next) list.append(h("p", { class: "muted", testid: "no-tasks" }, t("no_tasks")));
  }
  show(all);
  return h("section", { testid: "tasks" },
    h("h1", {}, t("tasks_title")),
    h("p", { class: "muted" }, t("tasks_intro")),
    h("label", {}, t("district"), select),
    list,
    more);
}

export async function task(ctx) {
  let item;
  let mine;
  try {
    [item, mine] = await Promise.all([
      api("GET", `/tasks/${encodeURIComponent(ctx.params.id)}`),
      api("GET", "/claims").then((r) => items(r, "claims")),
    ]);
  } catch (error) {
    return failure(error);
  }
  const claim = mine.find((c) => String(c.task_id) === String(item.id));
  const error = h("p", { class: "error", role: "alert", testid: "claim-error" });
  const button = h("button", { testid: "claim", onclick: () => busy(button.parentElement, async () => {
    try {
      const created = await api("POST", `/tasks/${item.id}/claims`);
      ctx.navigate(`#/claims?new=${created.id}`);
    } catch (e) {
      error.textContent = errorText(e);
    }
  }) }, t("claim_button"));
  // A full or closed task offers no claim: the button stays, greyed, with the reason under it.
  const why = item.status === "closed" ? t("claim_closed") : item.status === "full" ? t("claim_full") : null;
  if (why) {
    button.disabled = true;
    button.setAttribute("aria-describedby", "claim-why");
  }
  const hasPlace = item.latitude !== null && item.latitude !== undefined && item.longitude !== null && item.longitude !== undefined;
  const left = placesLeft(item);
  return h("section", { testid: "task" },
    h("p", { class: "small" }, h("a", { href: "#/tasks" }, `← ${t("tasks_title")}`)),
    h("h1", {}, item.title),
    h("div", { class: "card stack" },
      h("div", { class: "row" }, h("span", {}, t("reward")), h("span", { class: "coins", testid: "task-reward" }, coins(item.reward))),
      h("div", { class: "row" }, h("span", {}, t("district")), h("span", {}, item.district)),
      item.minutes ? h("div", { class: "row" }, h("span", {}, t("time_needed")), h("span", {}, t("minutes", { n: item.minutes }))) : null,
      left !== null ? h("div", { class: "row" }, h("span", {}, t("places")), h("span", {}, tn("places_left", left, { n: left }))) : null,
      item.closes_at ? h("div", { class: "row" }, h("span", {}, t("closes")), h("span", {}, when(item.closes_at))) : null,
      hasPlace ? h("div", { class: "row" }, h("span", {}, t("place")),
        h("a", { href: mapLink(item.latitude, item.longitude), target: "_blank", rel: "noopener", testid: "map-link" },
          `${Number(item.latitude).toFixed(5)}, ${Number(item.longitude).toFixed(5)} ↗`)) : null),
    h("p", { style: "white-space: pre-line" }, item.description),
    claim && claim.status === "released"
      ? h("p", { class: "muted", testid: "given-back" }, t("claim_given_back_here"))
      : claim
        ? h("p", {}, t("already_yours"), " ", h("a", { href: "#/claims", testid: "to-claims" }, t("follow_claim")))
        : h("div", { class: "stack" }, button,
          why ? h("p", { class: "muted", id: "claim-why", testid: "claim-why" }, why) : null, error));
}

const STEPS = ["step_claimed", "step_submitted", "step_approved", "step_paid"];

/** Each step of a claim's way as [label key, "done" | "bad" | ""]. */
function claimSteps(claim) {
  const reward = claim.reward?.status;
  if (claim.status === "rejected") {
    return [["step_claimed", "done"], ["step_submitted", "done"], ["step_rejected", "bad"], ["step_paid", ""]];
  }
  if (claim.status === "expired") {
    return [["step_claimed", "done"], ["step_expired", "bad"], ["step_approved", ""], ["step_paid", ""]];
  }
  if (claim.status === "released") {
    return [["step_claimed", "done"], ["step_given_back", "bad"], ["step_approved", ""], ["step_paid", ""]];
  }
  const done = { claimed: 1, submitted: 2, approved: reward === "confirmed" ? 4 : 3 }[claim.status] ?? 1;
  const stuck = reward === "failed" || reward === "flagged"; // flagged: the city checks it by hand
  return STEPS.map((key, i) => [key, i < done ? "done" : stuck && i === 3 ? "bad" : ""]);
}

function claimStatusText(claim) {
  if (claim.status === "rejected") return t("claim_rejected");
  if (claim.status === "expired") return t("claim_expired");
  if (claim.status === "released") return t("claim_given_back");
  if (claim.status === "approved") {
    const reward = claim.reward?.status;
    if (reward === "confirmed") return t("claim_paid");
    if (reward === "failed" || reward === "flagged") return t("claim_payment_failed");
    return t("claim_approved");
  }
  if (claim.status === "submitted") return t("claim_submitted");
  return claim.expires_at
    ? `${t("claim_claimed")} ${t("claim_expires", { when: when(claim.expires_at) })}`
    : t("claim_claimed");
}

function proofForm(ctx, claim) {
  const again = claim.status === "rejected";
  const error = h("p", { class: "error", role: "alert", testid: "proof-error" });
  const preview = h("img", { class: "proof", alt: "", hidden: true });
  const progress = h("progress", { max: 100, value: 0, hidden: true, testid: "upload-progress", "aria-label": t("upload_progress") });
  const progressText = h("span", { class: "small muted", "aria-live": "polite", testid: "upload-status" });
  const photo = h("input", { type: "file", name: "photo", accept: "image/*", capture: "environment", required: true, testid: "proof-photo",
    onchange: () => {
      error.textContent = ""; // a new photo: the old complaint no longer applies
      const file = photo.files[0];
      preview.hidden = !file;
      if (file) preview.src = URL.createObjectURL(file);
    } });
  const form = h("form", { testid: "proof-form", class: "stack" },
    again ? h("strong", {}, t("proof_again_title")) : null,
    h("label", {}, t("proof_photo"), photo), preview,
    h("label", {}, t("proof_note"), h("textarea", { name: "note", rows: 2, maxlength: 2000, testid: "proof-note" })),
    error, progress, progressText,
    h("button", { type: "submit", testid: "proof-submit" }, again ? t("proof_send_again") : t("proof_send")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = formValues(form);
    error.textContent = "";
    busy(form, async () => {
      try {
        progressText.textContent = t("upload_preparing");
        const { file: small, width, height } = await shrinkPhoto(photo.files[0]);
        Object.assign(progress.dataset, { bytes: small.size, type: small.type, width, height });
        const size = t("megabytes", { n: (small.size / 1_000_000).toLocaleString(lang(), { maximumFractionDigits: 1 }) });
        const data = new FormData();
        data.append("photo", small, small.name || "photo.jpg");
        if (values.note) data.append("note", values.note);
        progress.hidden = false;
        await upload(`/claims/${claim.id}/proof`, data, (fraction) => {
          progress.value = Math.round(fraction * 100);
          progressText.textContent = fraction < 1 ? t("upload_sending", { percent: Math.round(fraction * 100), size }) : t("upload_checking");
        });
        ctx.rerender();
        ctx.banner(t("proof_sent"), "ok");
      } catch (e) {
        progress.hidden = true;
        progressText.textContent = "";
        error.textContent = errorText(e);
      }
    });
  });
  return form;
}

function giveBack(ctx, claim) {
  const error = h("p", { class: "error", role: "alert", testid: "give-back-error" });
  const button = h("button", { class: "secondary", type: "button", testid: "give-back", onclick: () => {
    if (!window.confirm(t("give_back_confirm"))) return;
    busy(box, async () => {
      try {
        await api("POST", `/claims/${claim.id}/release`);
        ctx.rerender();
        ctx.banner(t("given_back"), "ok");
      } catch (e) {
        error.textContent = errorText(e);
      }
    });
  } }, t("give_back"));
  const box = h("div", { class: "stack" }, button, error);
  return box;
}

function claimCard(ctx, claim, taskById) {
  const item = taskById.get(String(claim.task_id));
  return h("div", { class: "card", testid: "claim-card", dataset: { claimId: claim.id, status: claim.status, reward: claim.reward?.status || "" } },
    h("div", { class: "row" },
      h("strong", {}, item ? item.title : t("task_number", { id: claim.task_id })),
      item ? h("span", { class: "coins" }, coins(item.reward)) : null),
    h("ol", { class: "steps", "aria-label": t("progress") },
      claimSteps(claim).map(([key, state]) => h("li", { class: state }, t(key)))),
    h("p", { testid: "claim-status" }, claimStatusText(claim)),
    claim.status === "rejected" && claim.reject_reason
      ? h("p", { class: "notice", testid: "reject-reason" }, t("reason"), ": ", claim.reject_reason) : null,
    claim.status === "claimed" || claim.status === "rejected" ? proofForm(ctx, claim) : null,
    ["claimed", "rejected"].includes(claim.status) ? giveBack(ctx, claim) : null,
    txLine(claim.reward?.tx_hash));
}

export async function claims(ctx) {
  let mine;
  let taskById;
  try {
    const [claimList, taskList] = await Promise.all([
      api("GET", "/claims").then((r) => items(r, "claims")),
      api("GET", "/tasks").then((r) => items(r, "tasks")),
    ]);
    mine = claimList;
    taskById = new Map(taskList.map((x) => [String(x.id), x]));
  } catch (error) {
    return failure(error);
  }
  const fingerprint = (list) => list.map((c) => `${c.id}:${c.status}:${c.reward?.status}`).join(",");
  const shown = fingerprint(mine);
  // While something is on its way (review, payment), look again now and then.
  if (mine.some((c) => c.status === "submitted" || (c.status === "approved" && c.reward?.status !== "confirmed"))) {
    every(ctx, 2500, async () => {
      const busyForm = [...document.querySelectorAll("[data-testid=proof-photo]")].some((i) => i.files.length);
      if (busyForm) return;
      const fresh = await api("GET", "/claims").then((r) => items(r, "claims")).catch(() => null);
      if (fresh && fingerprint(fresh) !== shown) ctx.rerender();
    });
  }
  const sorted = [...mine].sort((a, b) => b.id - a.id);
  return h("section", { testid: "claims" },
    h("h1", {}, t("claims_title")),
    sorted.length ? sorted.map((c) => claimCard(ctx, c, taskById))
      : h("p", { class: "muted" }, t("no_claims"), " ", h("a", { href: "#/tasks" }, t("find_task"))));
}

function shortAddress(address) {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

function historyRow(entry) {
  const out = ["payment", "payment_sent", "redeemed"].includes(entry.kind);
  const label = hasString(`history_${entry.kind}`) ? t(`history_${entry.kind}`) : entry.kind;
  const who = entry.task_title || entry.counterparty_name || entry.shop || (entry.counterparty ? shortAddress(entry.counterparty) : "");
  const pending = entry.kind === "reward" && entry.status !== "confirmed";
  return h("li", { class: "card", testid: "history-item", dataset: { kind: entry.kind } },
    h("div", { class: "row" },
      h("span", {}, label, who ? ` · ${who}` : ""),
      h("span", { class: "coins" }, `${out ? "−" : "+"} ${formatApi(entry.amount)}`)),
    h("div", { class: "small muted" }, when(entry.at), pending ? ` · ${t("on_its_way")}` : ""));
}

export async function balance(ctx) {
  const address = session.state.address;
  const box = h("div");
  const figure = h("div", { class: "big", testid: "balance" });
  const local = h("ul", { class: "stack", style: "list-style:none;padding:0" });
  // The history is paged (README, "Lists and paging"): the newest page, and "load more" for older ones.
  const history = pagedList({ path: `/accounts/${address}`, testid: "history", pick: (account) => account.history ?? [],
    key: (e) => `${e.kind}:${e.tx_hash ?? ""}:${e.claim_id ?? ""}:${e.at}`,
    render: historyRow, as: "ul", attrs: { class: "stack", style: "list-style:none;padding:0" },
    onPage: (rows, account) => {
      if (account.balance === undefined) return;
      figure.textContent = formatApi(account.balance);  // every page carries the balance of now
      rememberBalance(address, account.balance);
    } });
  let shown = false;
  async function load() {
    try {
      const first = await history.refresh();
      // Payments made from this device show at once; the API lists them too once they are confirmed.
      const known = new Set(first.map((e) => e.tx_hash).filter(Boolean));
      const pending = paymentsMade().filter((p) => !known.has(p.tx_hash)).map((p) => ({ ...p, kind: "payment" }))
        .sort((a, b) => String(b.at).localeCompare(String(a.at)));
      fill(local, pending.map(historyRow));
      const none = !pending.length && !history.rows().length;
      if (!shown) {
        fill(box,
          h("div", { class: "card" },
            h("div", { class: "muted" }, t("balance")),
            figure,
            h("div", { class: "muted small" }, t("coin_is_euro"))),
          h("h2", {}, t("history")),
          local, history.element, h("p", { class: "muted", testid: "no-history", hidden: !none }, t("no_history")));
        shown = true;
      } else {
        box.querySelector("[data-testid=no-history]").hidden = !none;
      }
    } catch (error) {
      // No connection: the last balance seen, clearly marked (the shell's notice says so too).
      shown = false;
      fill(box, error?.code === "network" ? offlineCard(address) : failure(error));
    }
  }
  await load();
  every(ctx, 4000, load);
  return h("section", { testid: "wallet" },
    h("div", { class: "row" }, h("h1", {}, t("wallet_title")), h("a", { href: "#/account", class: "small", testid: "to-account" }, t("account_title"))),
    box,
    session.mode() === "citizen" ? h("a", { class: "button", href: "#/pay", testid: "to-pay" }, t("pay_shop")) : null);
}

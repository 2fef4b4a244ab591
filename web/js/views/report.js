// The report for the council: tasks done, hours, coins rewarded, spent at shops and redeemed,
// euros paid out - per month (city-wide) and per district, as inline SVG charts and a table.
import { h } from "../dom.js";
import { t, errorText } from "../i18n.js";
import { api, download } from "../api.js";
import { formatUnits, formatApi, unitsFromApi } from "../money.js";
import { barChart } from "../charts.js";
import { items, failure } from "./common.js";

const ALL = "all"; // backend/reports/service.py: the month's city-wide row
const SERIES = [
  ["coins_rewarded", ["coins_rewarded"], "#0b6e4f"],
  ["coins_spent", ["coins_paid_to_merchants", "coins_spent"], "#f2b705"],
  ["coins_redeemed", ["coins_redeemed"], "#3a6ea5"],
];

function units(row, names) {
  for (const name of names) if (row[name] !== undefined && row[name] !== null) return unitsFromApi(row[name]);
  return 0;
}

function add(into, row) {
  into.tasks_done = (into.tasks_done || 0) + Number(row.tasks_done || 0);
  into.minutes_worked = (into.minutes_worked || 0) + Number(row.minutes_worked || 0);
  for (const [key, names] of SERIES) into[key] = (into[key] || 0) + units(row, names);
  into.euros = (into.euros || 0) + units(row, ["euros_paid_out", "euros_paid"]);
  return into;
}

/** {rows: [{month, district, ...}]} -> months (city-wide), districts (summed over months), totals. */
export function normalise(summary) {
  const rows = items(summary, "rows");
  const months = new Map();
  const districts = new Map();
  for (const row of rows) {
    if (row.district === ALL || row.district === undefined) months.set(row.month, add(months.get(row.month) || { label: row.month }, row));
    else districts.set(row.district, add(districts.get(row.district) || { label: row.district }, row));
  }
  const byMonth = [...months.values()].sort((a, b) => a.label.localeCompare(b.label));
  const totals = byMonth.reduce((sum, row) => {
    sum.tasks_done += row.tasks_done;
    sum.minutes_worked += row.minutes_worked;
    for (const [key] of SERIES) sum[key] += row[key];
    sum.euros += row.euros;
    return sum;
  }, { tasks_done: 0, minutes_worked: 0, coins_rewarded: 0, coins_spent: 0, coins_redeemed: 0, euros: 0 });
  return { byMonth, byDistrict: [...districts.values()].sort((a, b) => a.label.localeCompare(b.label)), totals };
}

function chart(rows, title, series, testid) {
  return h("div", { class: "card chart", testid },
    h("h2", { style: "margin-top:0" }, title),
    h("div", { class: "legend" }, series.map(([key, , color]) => h("span", { style: `--c:${color}` }, t(key)))),
    barChart({
      labels: rows.map((r) => r.label),
      series: series.map(([key, , color]) => ({ name: t(key), color, values: rows.map((r) => r[key]) })),
      format: (v) => formatUnits(Math.round(v)),
      title,
    }));
}

function table(rows, labelKey) {
  return h("table", { testid: "report-table" },
    h("thead", {}, h("tr", {}, h("th", {}, t(labelKey)), h("th", { class: "num" }, t("tasks_done")),
      h("th", { class: "num" }, t("hours_worked")), h("th", { class: "num" }, t("coins_rewarded")))),
    h("tbody", {}, rows.map((r) => h("tr", {}, h("td", {}, r.label), h("td", { class: "num" }, String(r.tasks_done)),
      h("td", { class: "num" }, hours(r.minutes_worked)), h("td", { class: "num" }, formatUnits(r.coins_rewarded))))));
}

function hours(minutes) {
  return formatUnits(Math.round((minutes / 60) * 100));
}

export async function report(ctx) {
  let summary;
  try {
    summary = await api("GET", "/reports/summary");
  } catch (e) {
    return failure(e);
  }
  const { byMonth, byDistrict, totals } = normalise(summary);
  const figure = (key, value) => h("div", { class: "card", testid: `figure-${key}` },
    h("div", { class: "muted small" }, t(key)), h("div", { class: "big", style: "font-size:1.5rem" }, value));
  const csv = h("button", { class: "secondary", testid: "report-csv", onclick: () =>
    download("GET", "/reports/summary.csv", "heitje-report.csv").catch((e) => ctx.banner(`${t("csv_failed")} ${errorText(e)}`)) },
  t("download_csv"));
  // Dutch Excel reads semicolons and decimal commas as columns and numbers.
  const csvNl = h("button", { class: "secondary", testid: "report-csv-nl", onclick: () =>
    download("GET", "/reports/summary.csv", "heitje-overzicht.csv", { query: { dialect: "nl" } }).catch((e) => ctx.banner(`${t("csv_failed")} ${errorText(e)}`)) },
  t("download_csv_nl"));
  const openData = h("button", { class: "secondary", testid: "report-open-data", onclick: () =>
    download("GET", "/reports/open-data", "heitje-open-data.csv").catch((e) => ctx.banner(`${t("csv_failed")} ${errorText(e)}`)) },
  t("download_open_data"));
  return h("section", { testid: "report" },
    h("h1", {}, t("report_title")),
    h("div", { class: "row", style: "justify-content:flex-start" }, csv, csvNl, openData),
    h("div", { class: "figures" },
      figure("tasks_done", String(totals.tasks_done)),
      figure("hours_worked", hours(totals.minutes_worked)),
      ...SERIES.map(([key]) => figure(key, formatUnits(totals[key]))),
      figure("euros_paid", `€ ${formatUnits(totals.euros)}`),
      summary.circulating_supply ? figure("circulating", formatApi(summary.circulating_supply)) : null),
    byMonth.length ? chart(byMonth, t("per_month"), SERIES, "chart-month") : h("p", { class: "muted" }, t("report_empty")),
    byDistrict.length ? chart(byDistrict, t("per_district"), SERIES.slice(0, 1), "chart-district") : null,
    byDistrict.length ? h("div", { class: "card" }, table(byDistrict, "district")) : null);
}

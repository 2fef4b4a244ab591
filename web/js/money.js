// Amounts: integer units inside (1 coin = 100 units), decimal strings with two places at the
// API ("15.00"). Never floats: "0.1 + 0.2" must not decide what a citizen pays.
import { lang } from "./i18n.js";

/** "12,5" / "12.50" / "12" -> 1250; null when it is not a positive amount with at most 2 decimals. */
export function unitsFromInput(text) {
  const clean = String(text ?? "").trim().replace(",", ".");
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(clean);
  if (!match) return null;
  const units = Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  return units > 0 ? units : null;
}

/** "15.00" (the API's shape) -> 1500. */
export function unitsFromApi(text) {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(String(text ?? "0").trim());
  if (!match) return 0;
  const units = Number(match[2]) * 100 + Number((match[3] || "").padEnd(2, "0"));
  return match[1] ? -units : units;
}

/** 1500 -> "15.00" (for the API). */
export function apiAmount(units) {
  const sign = units < 0 ? "-" : "";
  const abs = Math.abs(units);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** 1500 -> "15,00" (nl) or "15.00" (en). */
export function formatUnits(units) {
  const text = apiAmount(units);
  return lang() === "nl" ? text.replace(".", ",") : text;
}

/** "15.00" -> "15,00" (nl) / "15.00" (en). */
export function formatApi(text) {
  return formatUnits(unitsFromApi(text));
}

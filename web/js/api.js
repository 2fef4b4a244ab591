// The HTTP API of DESIGN.md (same origin, under /api/v1). Every failure becomes an ApiError with
// the API's code, so screens can show errorText(error) - a sentence, never a stack trace.

const BASE = "/api/v1";
let token = sessionStorage.getItem("heitje.token");
let onUnauthorized = null;

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

export function setToken(value) {
  token = value;
  if (value) sessionStorage.setItem("heitje.token", value);
  else sessionStorage.removeItem("heitje.token");
}

/** The Authorization header's value, for requests made without api() (uploads with progress). */
export function authorization() {
  return token ? `Bearer ${token}` : null;
}

export function hasToken() {
  return Boolean(token);
}

/** Called once when the API says the token is no longer good (expired); it may sign in again. */
export function handleUnauthorized(fn) {
  onUnauthorized = fn;
}

/**
 * `api("GET", "/tasks", {query})`, `api("POST", "/tasks", {json})`, `api("POST", ..., {form})`.
 * `raw: true` returns the Response (for photos and files).
 */
export async function api(method, path, { json, form, query, raw = false, retried = false } = {}) {
  let url = BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== "") params.set(key, value);
    }
    if ([...params].length) url += `?${params}`;
  }
  const headers = { Accept: "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (form !== undefined) {
    body = form;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body });
  } catch (cause) {
    throw new ApiError(0, "network", String(cause));
  }
  if (response.status === 401 && token && onUnauthorized && !retried) {
    if (await onUnauthorized()) return api(method, path, { json, form, query, raw, retried: true });
  }
  if (!response.ok) {
    let code = "unknown";
    let message = response.statusText;
    let details;
    try {
      const data = await response.json();
      code = data?.error?.code ?? code;
      message = data?.error?.message ?? message;
      details = data?.error?.details;
    } catch {
      /* not JSON: keep the status */
    }
    throw new ApiError(response.status, code, message, details);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** Fetches a protected file (a proof photo) and returns an object URL for an <img>. */
export async function objectUrl(path) {
  const response = await api("GET", path, { raw: true });
  return URL.createObjectURL(await response.blob());
}

/** Lets the browser save a protected file (the SEPA XML). */
export async function download(method, path, filename, options = {}) {
  const response = await api(method, path, { ...options, raw: true });
  // 202: nothing to save yet (a SEPA file waiting for a second operator, four eyes)
  if (response.status === 202) return { pending: await response.json(), response };
  const disposition = response.headers.get("content-disposition") || "";
  const named = /filename="?([^";]+)"?/.exec(disposition);
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = named ? named[1] : filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  return { blob, filename: link.download, response };
}

/**
 * One page of a list (README, "Lists and paging"): `{ items, next }`, where `next` is the cursor of the
 * following page (from the X-Next-Cursor header), or null on the last page. Pass it back as `cursor`.
 */
export async function apiPage(path, { query = {}, cursor = null } = {}) {
  const response = await api("GET", path, { query: { ...query, cursor }, raw: true });
  const items = response.status === 204 ? [] : await response.json();
  return { items, next: response.headers.get("X-Next-Cursor") };
}

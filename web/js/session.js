// Sign-in with Ethereum (EIP-4361) through the API, and who is signed in (address, roles, mode).
import { api, setToken, handleUnauthorized } from "./api.js";
import * as wallet from "./wallet.js";

const ROLES = "heitje.roles";
const MODE = "heitje.mode";
const listeners = new Set();

export const state = {
  address: null,
  roles: JSON.parse(sessionStorage.getItem(ROLES) || "[]"),
  chainId: null,
  coin: null,
};

export function onSessionChange(fn) {
  listeners.add(fn);
}

function changed() {
  listeners.forEach((fn) => fn(state));
}

export function has(role) {
  return state.roles.includes(role);
}

/** The part of the app in use: "citizen", "shop" or "city" (when the person has that role). */
export function mode() {
  const saved = sessionStorage.getItem(MODE);
  const allowed = modes();
  if (saved && allowed.includes(saved)) return saved;
  return allowed.includes("city") ? "city" : allowed.includes("shop") ? "shop" : "citizen";
}

export function modes() {
  const out = ["citizen"];
  if (has("merchant")) out.push("shop");
  if (has("operator")) out.push("city");
  return out;
}

export function setMode(value) {
  sessionStorage.setItem(MODE, value);
  changed();
}

export async function chainInfo() {
  if (state.chainId === null) {
    const health = await fetch("/api/v1/healthz").then((r) => r.json()).catch(() => ({}));
    state.chainId = health.chain_id ?? 31337;
    state.coin = health.coin_address ?? null;
  }
  return state;
}

/** The EIP-4361 message the API checks: this site's host, its URL, the chain, the API's nonce. */
export function siweMessage({ address, chainId, nonce, issuedAt, expiresAt, statement }) {
  return [
    `${location.host} wants you to sign in with your Ethereum account:`,
    address,
    "",
    statement,
    "",
    `URI: ${location.origin}`,
    "Version: 1",
    `Chain ID: ${chainId}`,
    `Nonce: ${nonce}`,
    `Issued At: ${issuedAt}`,
    `Expiration Time: ${expiresAt}`,
  ].join("\n");
}

export async function signIn() {
  const signer = wallet.currentSigner();
  const address = await signer.getAddress();
  const { chainId } = await chainInfo();
  const { nonce } = await api("GET", "/auth/nonce");
  const now = new Date();
  const message = siweMessage({
    address,
    chainId,
    nonce,
    issuedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + 10 * 60 * 1000).toISOString(),
    statement: "Sign in to Heitje.",
  });
  const signature = await wallet.signMessage(message);
  const result = await api("POST", "/auth/login", { json: { message, signature } });
  setToken(result.access_token);
  state.address = result.address;
  state.roles = result.roles || ["citizen"];
  sessionStorage.setItem(ROLES, JSON.stringify(state.roles));
  changed();
  return result;
}

/**
 * Asks the API who we are now (GET /auth/me): roles are looked up per request, so a shop the city has
 * just registered gets `merchant` without signing in again (the token names only the address).
 * Returns {address, roles, registration_code}.
 */
export async function refreshRoles() {
  const me = await api("GET", "/auth/me");
  const before = state.roles.join(",");
  state.address = me.address;
  state.roles = me.roles || ["citizen"];
  sessionStorage.setItem(ROLES, JSON.stringify(state.roles));
  if (before !== state.roles.join(",")) changed();
  return me;
}

export function signOut() {
  setToken(null);
  wallet.lock();
  state.address = null;
  state.roles = [];
  sessionStorage.removeItem(ROLES);
  sessionStorage.removeItem(MODE);
  changed();
}

// An expired token: sign in again silently while the key is unlocked.
handleUnauthorized(async () => {
  if (!wallet.isUnlocked()) return false;
  try {
    await signIn();
    return true;
  } catch {
    return false;
  }
});

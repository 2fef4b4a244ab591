// The person's key. Either created here (an ethers HD wallet, kept in localStorage only as an
// encrypted JSON keystore: scrypt + AES, unlocked with the passphrase they chose), restored from
// its recovery phrase (or a raw key, for operators), or an injected EIP-1193 wallet (MetaMask).
// The unlocked key lives in memory only, for this tab.
import { Wallet, HDNodeWallet, BrowserProvider, Mnemonic, isHexString } from "../vendor/ethers.min.js";

const KEYSTORE = "heitje.keystore";
const KIND = "heitje.wallet-kind";
const ADDRESS = "heitje.address";
// Set while the person has not yet shown they wrote down the recovery words of a wallet made here.
const BACKUP_PENDING = "heitje.backup-pending";

let signer = null;

export class WrongPassphrase extends Error {
  constructor() {
    super("wrong passphrase");
    this.code = "wrong_passphrase";
  }
}

export class BadRecovery extends Error {
  constructor() {
    super("not a recovery phrase or key");
    this.code = "bad_recovery";
  }
}

export const MIN_PASSPHRASE = 8;

export function walletKind() {
  return localStorage.getItem(KIND);
}

export function storedAddress() {
  return localStorage.getItem(ADDRESS);
}

export function isUnlocked() {
  return signer !== null;
}

export function currentSigner() {
  return signer;
}

export function hasInjected() {
  return typeof window.ethereum?.request === "function";
}

async function store(wallet, passphrase, onProgress) {
  const json = await wallet.encrypt(passphrase, (fraction) => onProgress?.(fraction));
  localStorage.setItem(KEYSTORE, json);
  localStorage.setItem(KIND, "local");
  localStorage.setItem(ADDRESS, wallet.address);
}

/** A new wallet: stored encrypted; returns the recovery phrase to show once. */
export async function createWallet(passphrase, onProgress) {
  const wallet = Wallet.createRandom();
  await store(wallet, passphrase, onProgress);
  localStorage.setItem(BACKUP_PENDING, "1");
  signer = wallet;
  return { address: wallet.address, phrase: wallet.mnemonic.phrase };
}

/** Restores from a recovery phrase (12/24 words) or a 0x-prefixed private key. */
export async function restoreWallet(secret, passphrase, onProgress) {
  const text = secret.trim().toLowerCase().split(/\s+/).join(" ");
  let wallet;
  try {
    if (isHexString(text, 32)) wallet = new Wallet(text);
    else if (/^[0-9a-f]{64}$/.test(text)) wallet = new Wallet(`0x${text}`);
    else if (Mnemonic.isValidMnemonic(text)) wallet = HDNodeWallet.fromPhrase(text);
    else throw new BadRecovery();
  } catch (error) {
    if (error instanceof BadRecovery) throw error;
    throw new BadRecovery();
  }
  await store(wallet, passphrase, onProgress);
  localStorage.removeItem(BACKUP_PENDING); // restored from its words: the person has them
  signer = wallet;
  return { address: wallet.address };
}

/** True until the person has shown they wrote down the words of the wallet made on this device. */
export function backupPending() {
  return localStorage.getItem(BACKUP_PENDING) === "1" && walletKind() === "local";
}

export function markBackedUp() {
  localStorage.removeItem(BACKUP_PENDING);
}

/**
 * The recovery words again: the encrypted keystore holds the mnemonic, so the passphrase opens them.
 * Null for a wallet restored from a raw key (it has no words).
 */
export async function revealPhrase(passphrase, onProgress) {
  const json = localStorage.getItem(KEYSTORE);
  if (!json) throw new Error("no wallet on this device");
  let opened;
  try {
    opened = await Wallet.fromEncryptedJson(json, passphrase, (fraction) => onProgress?.(fraction));
  } catch (error) {
    if (/password/i.test(String(error?.message))) throw new WrongPassphrase();
    throw error;
  }
  return opened.mnemonic?.phrase ?? null;
}

export function hasPhrase() {
  try {
    return Boolean(JSON.parse(localStorage.getItem(KEYSTORE) || "{}")["x-ethers"]?.mnemonicCiphertext);
  } catch {
    return false;
  }
}

export async function unlock(passphrase, onProgress) {
  const json = localStorage.getItem(KEYSTORE);
  if (!json) throw new Error("no wallet on this device");
  try {
    signer = await Wallet.fromEncryptedJson(json, passphrase, (fraction) => onProgress?.(fraction));
  } catch (error) {
    if (/password/i.test(String(error?.message))) throw new WrongPassphrase();
    throw error;
  }
  return signer.address;
}

/** Connects the browser's own wallet (EIP-1193); it asks the person to allow this site. */
export async function useInjected() {
  const provider = new BrowserProvider(window.ethereum);
  signer = await provider.getSigner();
  const address = await signer.getAddress();
  localStorage.setItem(KIND, "injected");
  localStorage.setItem(ADDRESS, address);
  localStorage.removeItem(KEYSTORE);
  localStorage.removeItem(BACKUP_PENDING);
  return address;
}

export function lock() {
  signer = null;
}

/** Removes the wallet from this device (the recovery phrase brings it back). */
export function forget() {
  signer = null;
  for (const key of [KEYSTORE, KIND, ADDRESS, BACKUP_PENDING]) localStorage.removeItem(key);
}

export async function signMessage(message) {
  return signer.signMessage(message);
}

/**
 * Signs EIP-712 typed data as the API's helper returns it: {domain, types, primaryType, message}.
 * ethers derives the domain type itself, so EIP712Domain is left out of `types`.
 */
export async function signTypedData(typed) {
  const types = { ...typed.types };
  delete types.EIP712Domain;
  return signer.signTypedData(typed.domain, types, typed.message);
}

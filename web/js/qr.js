// QR codes: drawing the shop's checkout code (qrcode-generator, pinned) and reading it with the
// camera (the browser's BarcodeDetector where there is one, else jsQR, pinned), plus the parser
// for what a code or a pasted link says: who to pay and how much.
import qrcode from "../vendor/qrcode-generator.js";
import { getAddress } from "../vendor/ethers.min.js";
import { apiAmount, unitsFromApi } from "./money.js";

/** An <svg> QR code of `text` (medium error correction, scales to its box). */
export function qrSvg(text) {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const holder = document.createElement("div");
  // createSvgTag builds markup from the modules only (no caller text is put in as markup).
  holder.innerHTML = qr.createSvgTag({ cellSize: 4, margin: 4, scalable: true });
  const svg = holder.firstElementChild;
  svg.setAttribute("role", "img");
  return svg;
}

function checksummed(address) {
  try {
    return getAddress(address);
  } catch {
    return null;
  }
}

/**
 * What a shop's code asks for: {to, amount: "12.50", ref?, name?} or null. Understands the
 * app's own link (https://…/#/pay?to=…&amount=…), EIP-681 (ethereum:<coin>@<chain>/transfer?
 * address=<shop>&uint256=<units>) and a small JSON object ({"to"|"merchant", "amount"}).
 */
export function parsePayment(text) {
  const raw = String(text ?? "").trim();
  if (!raw) return null;
  if (raw.startsWith("{")) {
    try {
      const data = JSON.parse(raw);
      const to = checksummed(data.to ?? data.merchant ?? data.address ?? "");
      const amount = data.amount ?? (data.value !== undefined ? apiAmount(Number(data.value)) : null);
      if (!to || !amount || !/^\d+(\.\d{1,2})?$/.test(String(amount))) return null;
      return { to, amount: apiAmount(unitsFromApi(amount)), ref: data.order ?? data.ref ?? null, name: data.merchant_name ?? data.name ?? null,
        coin: data.coin ? checksummed(data.coin) : null, chainId: data.chain_id ?? null };
    } catch {
      return null;
    }
  }
  if (raw.toLowerCase().startsWith("ethereum:")) {
    const match = /^ethereum:(?:pay-)?(0x[0-9a-fA-F]{40})(?:@(\d+))?(?:\/(\w+))?\?(.*)$/.exec(raw);
    if (!match) return null;
    const params = new URLSearchParams(match[4]);
    const to = checksummed(params.get("address") || "");
    const units = params.get("uint256") || params.get("value");
    if (!to || !units || !/^\d+(e\d+)?$/.test(units)) return null;
    return { to, amount: apiAmount(Number(units)), ref: params.get("ref"), name: params.get("label"), coin: checksummed(match[1]), chainId: match[2] ? Number(match[2]) : null };
  }
  const hashAt = raw.indexOf("#/pay?");
  const query = hashAt >= 0 ? raw.slice(hashAt + "#/pay?".length) : raw.startsWith("to=") ? raw : null;
  if (query === null) return null;
  const params = new URLSearchParams(query);
  const to = checksummed(params.get("to") || "");
  const amount = params.get("amount");
  if (!to || !amount || !/^\d+(\.\d{1,2})?$/.test(amount)) return null;
  return { to, amount: apiAmount(unitsFromApi(amount)), ref: params.get("ref"), name: params.get("name") };
}

/** The app's own link for a payment (what a phone's camera app opens). */
export function paymentLink({ to, amount, ref, name }) {
  const params = new URLSearchParams({ to, amount });
  if (ref) params.set("ref", ref);
  if (name) params.set("name", name);
  return `${location.origin}${location.pathname}#/pay?${params}`;
}

/**
 * Starts the camera in `video` and calls `onText` with the first QR code it reads. Returns a stop
 * function. Throws when there is no camera (or the person does not allow it).
 */
export async function startScanner(video, onText) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.srcObject = stream;
  video.setAttribute("playsinline", "");
  await video.play();
  let stopped = false;
  const stop = () => {
    stopped = true;
    stream.getTracks().forEach((track) => track.stop());
  };
  const detector = "BarcodeDetector" in window ? new window.BarcodeDetector({ formats: ["qr_code"] }) : null;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const tick = async () => {
    if (stopped) return;
    let text = null;
    try {
      if (detector) {
        const codes = await detector.detect(video);
        text = codes[0]?.rawValue ?? null;
      } else if (window.jsQR && video.videoWidth) {
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        context.drawImage(video, 0, 0);
        const image = context.getImageData(0, 0, canvas.width, canvas.height);
        text = window.jsQR(image.data, image.width, image.height)?.data ?? null;
      }
    } catch {
      text = null;
    }
    if (text && !stopped) {
      stop();
      onText(text);
      return;
    }
    setTimeout(tick, 250);
  };
  tick();
  return stop;
}

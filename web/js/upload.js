// Photos for proof: made smaller in the browser before they travel (a phone's 6 MB photo over a slow
// line took most of a minute), and sent with XMLHttpRequest so the screen can show how far it got.
import { ApiError, authorization } from "./api.js";

export const LONG_SIDE = 2000;
const QUALITY = 0.85;

/**
 * The photo as a JPEG whose long side is at most LONG_SIDE pixels: {file, width, height}. A file the
 * browser cannot decode is sent as it is (the server decodes it again and says what is wrong).
 */
export async function shrinkPhoto(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return { file, width: null, height: null };
  }
  const scale = Math.min(1, LONG_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", QUALITY));
  if (!blob) return { file, width: null, height: null };
  return { file: new File([blob], "photo.jpg", { type: "image/jpeg" }), width: canvas.width, height: canvas.height };
}

/** POSTs a FormData to the API, calling onProgress(fraction) while the body goes up. */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1${path}`);
    xhr.setRequestHeader("Accept", "application/json");
    const auth = authorization();
    if (auth) xhr.setRequestHeader("Authorization", auth);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress?.(event.loaded / event.total);
    });
    xhr.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data?.error?.code ?? "unknown", data?.error?.message ?? xhr.statusText, data?.error?.details));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network", "the upload did not get through")));
    xhr.addEventListener("timeout", () => reject(new ApiError(0, "network", "the upload timed out")));
    xhr.send(form);
  });
}

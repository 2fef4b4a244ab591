// The service worker: keeps the app's own files (the shell) so the app opens without a connection.
// It never touches the API: balances, payments and claims always come from the server, and nothing
// is queued to be sent later - offline, the app shows the last balance it saw and says it is offline.
const CACHE = "heitje-shell-v1";
const SHELL = [
  "./", "index.html", "app.css", "icon.svg", "manifest.webmanifest", "icons/icon-192.png", "icons/icon-512.png",
  "js/main.js", "js/api.js", "js/charts.js", "js/dom.js", "js/i18n.js", "js/icons.js", "js/money.js",
  "js/payments.js", "js/qr.js", "js/routes.js", "js/session.js", "js/strings.js", "js/upload.js", "js/wallet.js",
  "js/offline.js", "js/views/citizen.js", "js/views/city.js", "js/views/common.js", "js/views/onboarding.js",
  "js/views/pay.js", "js/views/privacy.js", "js/views/report.js", "js/views/shop.js", "js/views/shopjoin.js",
  "vendor/ethers.min.js", "vendor/jsQR.js", "vendor/qrcode-generator.js",
];

self.addEventListener("install", (event) => {
  // One missing file must not stop the rest from being kept (it is fetched when first used).
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(SHELL.map((url) => cache.add(url).catch(() => null))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

function isShell(request) {
  const url = new URL(request.url);
  return request.method === "GET" && url.origin === self.location.origin && !url.pathname.includes("/api/");
}

// Network first (a new version shows at once), the kept copy when there is no network.
self.addEventListener("fetch", (event) => {
  if (!isShell(event.request)) return;
  event.respondWith(fetch(event.request).then((response) => {
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
    }
    return response;
  }).catch(() => caches.match(event.request, { ignoreSearch: true })
    .then((kept) => kept || (event.request.mode === "navigate" ? caches.match("index.html") : Response.error()))));
});

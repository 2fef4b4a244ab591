#!/usr/bin/env bash
# Copies the web app's pinned npm libraries (package.json, package-lock.json) from node_modules
# into web/vendor/, which backend/app.py serves at /vendor/. Nothing is fetched from a CDN.
# Run by `make setup` after `npm ci`; idempotent. web/vendor/ is git-ignored (web/.gitignore).
set -euo pipefail
cd "$(dirname "$0")/.."
src=node_modules
dst=web/vendor
for f in "$src/ethers/dist/ethers.min.js" "$src/qrcode-generator/dist/qrcode.mjs" "$src/jsqr/dist/jsQR.js"; do
  test -f "$f" || { echo "vendor-web: $f is missing; run npm ci first" >&2; exit 1; }
done
mkdir -p "$dst"
cp "$src/ethers/dist/ethers.min.js" "$dst/ethers.min.js"
cp "$src/ethers/LICENSE.md" "$dst/ethers.LICENSE.md"
# Saved as .js: every server maps .js to JavaScript (not all know .mjs), which module scripts need.
cp "$src/qrcode-generator/dist/qrcode.mjs" "$dst/qrcode-generator.js"
# (qrcode-generator has no LICENSE file: its MIT licence is in the header of the file itself.)
cp "$src/jsqr/dist/jsQR.js" "$dst/jsQR.js"
cp "$src/jsqr/LICENSE" "$dst/jsQR.LICENSE"
# A record of the versions served (they must be package-lock.json's).
node -e '
const v = (p) => require("./node_modules/" + p + "/package.json").version;
process.stdout.write(JSON.stringify({ethers: v("ethers"), "qrcode-generator": v("qrcode-generator"), jsqr: v("jsqr")}, null, 1) + "\n");
' > "$dst/versions.json"
touch "$dst/.installed"

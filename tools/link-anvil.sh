#!/bin/sh
# Links the native Anvil binary shipped by npm @foundry-rs/anvil into .tools/bin, so that
# brownie (which runs `anvil`) and `heitje up` find it on PATH without the Node wrapper.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$(cd "$root" && node -e '
const path = require("path");
const arch = { x64: "amd64", arm64: "arm64" }[process.arch];
const os = { linux: "linux", darwin: "darwin", win32: "win32" }[process.platform];
const pkg = require.resolve(`@foundry-rs/anvil-${os}-${arch}/package.json`);
console.log(path.join(path.dirname(pkg), "bin", "anvil"));
')"
mkdir -p "$root/.tools/bin"
ln -sf "$bin" "$root/.tools/bin/anvil"
"$root/.tools/bin/anvil" --version | head -1

#!/bin/sh
# Puts a solc 0.8.28 where py-solc-x looks for it ($SOLCX_BINARY_PATH/solc-v0.8.28).
# A native solc of that version on PATH is preferred; otherwise the project's
# solc-js wrapper (tools/solc/solc.js over npm "solc", pinned in package-lock.json).
set -eu
version="${SOLC_VERSION:-0.8.28}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="${SOLCX_BINARY_PATH:-$root/.solcx}"
target="$dest/solc-v$version"
mkdir -p "$dest"
rm -f "$target"

native="$(command -v solc 2>/dev/null || true)"
if [ -n "$native" ] && "$native" --version 2>/dev/null | grep -q "Version: $version+"; then
    ln -s "$native" "$target"
    echo "solc $version: native ($native)"
    exit 0
fi

cat > "$target" <<SH
#!/bin/sh
# solc $version over solc-js (written by tools/install-solc.sh; not a native binary)
HEITJE_ROOT="$root" exec node "$root/tools/solc/solc.js" "\$@"
SH
chmod +x "$target"
"$target" --version | grep -q "Version: $version+" || { echo "solc-js wrapper does not report $version" >&2; exit 1; }
echo "solc $version: solc-js wrapper ($target)"

#!/usr/bin/env bash
# Builds the extension into extension/dist, a folder Chrome loads unpacked (chrome://extensions → Load unpacked).
#   bash extension/build.sh            release build, wasm-opt when available
#   bash extension/build.sh --debug    faster, larger
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli matching Cargo.lock (.ci/bootstrap installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
profile=wasm-release
[ "${1:-}" = "--debug" ] && profile=dev
target_dir="${CARGO_TARGET_DIR:-target}"
cargo build -p extension --lib --target wasm32-unknown-unknown --profile "$profile"
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
out=extension/dist
rm -rf "$out"
mkdir -p "$out/pkg"
wasm-bindgen --target web --no-typescript --out-dir "$out/pkg" \
  "$target_dir/wasm32-unknown-unknown/$dir/extension.wasm"
if [ "$profile" != dev ] && command -v wasm-opt >/dev/null; then
  wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types \
    --enable-sign-ext --enable-mutable-globals --enable-multivalue \
    -o "$out/pkg/extension_bg.wasm" "$out/pkg/extension_bg.wasm"
fi
cp extension/static/* "$out/"
echo "extension built: $out ($(du -sh "$out/pkg/extension_bg.wasm" | cut -f1) of wasm); load it unpacked in Chrome"

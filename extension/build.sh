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
dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
out=extension/dist
rm -rf "$out"
mkdir -p "$out/pkg"
# Two modules from the one crate: `extension` (popup, options, background, form filling) and `page`, the small
# content script that runs on every page (built without the `full` feature).
for module in extension page; do
  features=()
  [ "$module" = page ] && features=(--no-default-features)
  cargo build -p extension --lib --target wasm32-unknown-unknown --profile "$profile" "${features[@]}"
  wasm-bindgen --target web --no-typescript --out-dir "$out/pkg" --out-name "$module" \
    "$target_dir/wasm32-unknown-unknown/$dir/extension.wasm"
  if [ "$profile" != dev ] && command -v wasm-opt >/dev/null; then
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-reference-types \
      --enable-sign-ext --enable-mutable-globals --enable-multivalue \
      -o "$out/pkg/${module}_bg.wasm" "$out/pkg/${module}_bg.wasm"
  fi
done
cp extension/static/* "$out/"
echo "extension built: $out (wasm: $(du -h "$out/pkg/extension_bg.wasm" | cut -f1) for the popup and form filling," \
  "$(du -h "$out/pkg/page_bg.wasm" | cut -f1) for every page's content script); load it unpacked in Chrome"

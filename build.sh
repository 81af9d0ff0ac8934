#!/usr/bin/env bash
# scalecalc's single entry point.
#   ./build.sh          set up what is missing, build, and serve www/ on http://127.0.0.1:${PORT:-8000}
#   ./build.sh test     set up, build, and run every test (native, wasm in Chromium, Playwright e2e)
#   ./build.sh build    set up and build only
#   ./build.sh serve    serve the last build
set -euo pipefail
cd "$(dirname "$0")"

PORT="${PORT:-8000}"
WASM_TARGET=wasm32-unknown-unknown
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "error: need root to run: $*" >&2; return 1; fi
}

# The wasm-bindgen version the crate is locked to; the CLI must match it exactly.
bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_rust() {
  if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
    log "adding the $WASM_TARGET target"
    rustup target add "$WASM_TARGET"
  fi
  [ -f Cargo.lock ] || cargo generate-lockfile
  local want; want="$(bindgen_version)"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$want" ]; then
    log "installing wasm-bindgen-cli $want (about 2 minutes, once)"
    # No --locked: the registry mirror lags and --locked fails to resolve (see ../shared/docs/TOOLCHAIN.md).
    cargo install wasm-bindgen-cli --version "$want"
  fi
  setup_nightly
}

# The page's wasm is built on the nightly toolchain the machine image carries, with the standard
# library rebuilt for size and panics compiled to a trap (-Cpanic=immediate-abort): no panic
# messages, locations or formatting machinery in the module (about 30 KB gzipped). That needs
# nightly's rust-src; when nightly or rust-src cannot be had, the stable build is used instead
# (larger, same behaviour).
NIGHTLY=nightly
setup_nightly() {
  if ! rustup run "$NIGHTLY" rustc -V >/dev/null 2>&1; then
    log "no $NIGHTLY toolchain: the wasm is built on stable (larger)"; return 0
  fi
  if [ ! -d "$(rustup run "$NIGHTLY" rustc --print sysroot)/lib/rustlib/src/rust/library" ]; then
    log "adding rust-src to $NIGHTLY (to rebuild the standard library for size)"
    timeout 600 rustup component add rust-src --toolchain "$NIGHTLY" ||
      log "could not add rust-src: the wasm is built on stable (larger)"
  fi
}

small_std() {
  [ "${SCALECALC_STABLE_WASM:-}" != 1 ] &&
  rustup run "$NIGHTLY" rustc -V >/dev/null 2>&1 &&
    [ -d "$(rustup run "$NIGHTLY" rustc --print sysroot)/lib/rustlib/src/rust/library" ]
}

setup_npm() {
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ]; then
    log "installing npm tools (binaryen's wasm-opt, playwright-core)"
    npm ci --no-audit --no-fund
  fi
}

setup_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    log "installing Debian's chromium and chromium-driver"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
}

build_wasm() {
  log "building the wasm module (profile wasm: size-optimised, the fitting kernel at opt-level 3; LTO)"
  # `cargo rustc --crate-type cdylib` is what makes LTO apply to a cdylib+rlib crate.
  local dir="${CARGO_TARGET_DIR:-target}"
  if small_std; then
    # Its own target directory: nightly's artefacts must not mix with stable's.
    dir="$dir/small-std"
    # RUSTFLAGS replaces .cargo/config.toml's rustflags: repeat its simd128.
    RUSTFLAGS="-C target-feature=+simd128 -Zunstable-options -Cpanic=immediate-abort" CARGO_TARGET_DIR="$dir" \
      cargo "+$NIGHTLY" rustc -p scalecalc --lib --profile wasm --target "$WASM_TARGET" \
      --no-default-features --crate-type cdylib -Z build-std=std,panic_abort
  else
    cargo rustc -p scalecalc --lib --profile wasm --target "$WASM_TARGET" --no-default-features --crate-type cdylib
  fi
  rm -rf www/pkg
  wasm-bindgen "$dir/$WASM_TARGET/wasm/scalecalc.wasm" --out-dir www/pkg --target web --no-typescript
  node_modules/.bin/wasm-opt -Oz www/pkg/scalecalc_bg.wasm -o www/pkg/scalecalc_bg.wasm
  report_sizes
}

# Every file the page ships, raw and gzip -9, and the total against the budget (printed only).
BUDGET_GZ=300000
report_sizes() {
  local f raw gz total_raw=0 total_gz=0
  local files=()
  shopt -s nullglob
  files=(www/pkg/*.wasm www/pkg/*.js www/*.js www/*.css www/*.html www/*.webmanifest)
  shopt -u nullglob
  {
    printf 'shipped file sizes (bytes):\n'
    printf '  %-28s %9s %9s\n' file raw gzip-9
    for f in "${files[@]}"; do
      raw=$(wc -c <"$f")
      gz=$(gzip -9c "$f" | wc -c)
      total_raw=$((total_raw + raw))
      total_gz=$((total_gz + gz))
      printf '  %-28s %9d %9d\n' "$f" "$raw" "$gz"
    done
    printf '  %-28s %9d %9d\n' total "$total_raw" "$total_gz"
    if [ "$total_gz" -le "$BUDGET_GZ" ]; then
      printf '  budget %d B gzipped: within it, %d B to spare\n' "$BUDGET_GZ" $((BUDGET_GZ - total_gz))
    else
      printf '  budget %d B gzipped: OVER by %d B (%d %%)\n' "$BUDGET_GZ" $((total_gz - BUDGET_GZ)) \
        $(((total_gz - BUDGET_GZ) * 100 / BUDGET_GZ))
    fi
  } >&2
}

build_native() {
  log "building the native CLI"
  cargo build --release
}

serve() {
  log "serving www/ on http://127.0.0.1:$PORT (Ctrl-C to stop)"
  exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory www
}

run_tests() {
  log "native tests (unit, property, integration, CLI)"
  cargo test --release
  log "wasm tests in headless Chromium (wasm-bindgen-test)"
  CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
    cargo test -p scalecalc --target "$WASM_TARGET" --no-default-features --test web
  log "end-to-end tests in headless Chromium (Playwright)"
  node --test --test-concurrency=1 tests/e2e/
}

# The speed benchmark (informational, never part of `test`): on the Epoch file with the 5 highest
# losses dropped, the profile search, the 4 500-start Chinchilla fit and a 1000-resample bootstrap
# natively (own and argmin L-BFGS, one core), in scipy (the reference script, in target/bench-venv)
# and in the page's Fit panel in headless Chromium (profile and grid; click to report with the
# page's defaults); then a table with the ratios and the goals. Raw results in target/bench/.
bench() {
  local data=../shared/data/chinchilla_epoch/svg_extracted_data.csv out=target/bench
  local cli="${CARGO_TARGET_DIR:-target}/release/scalecalc" py=target/bench-venv/bin/python
  mkdir -p "$out"
  rm -f "$out/native.jsonl" "$out/scipy.json" "$out/browser.json"
  log "native: the profile search and the 4 500-start fit on one core (own and argmin L-BFGS), then 1000 bootstrap resamples"
  "$cli" bench-fit "$data" --drop-top 5 --optimizer both --bootstrap 1000 | tee "$out/native.jsonl"
  if ! { [ -x "$py" ] && "$py" -c 'import numpy, scipy' 2>/dev/null; }; then
    log "creating target/bench-venv with numpy and scipy"
    python3 -m venv target/bench-venv && "$py" -m pip install --quiet numpy scipy ||
      log "could not set up target/bench-venv: no scipy numbers"
  fi
  log "scipy: the reference fit (L-BFGS-B from the same grid; a minute or two)"
  if "$py" ../shared/reference/scipy_chinchilla_fit.py "$data" --drop-top 5 --grid full | tee "$out/scipy.log"; then
    tail -n 1 "$out/scipy.log" >"$out/scipy.json"
  else
    log "the scipy reference fit failed: no scipy numbers"
  fi
  log "browser: the page's Fit panel in headless Chromium (grid, page defaults, profile)"
  node tests/bench/bench.mjs "$data" >"$out/browser.json" || log "the browser bench did not finish: no browser numbers"
  node tests/bench/bench.mjs --table "$out/native.jsonl" "$out/scipy.json" "$out/browser.json"
}

case "${1:-}" in
  "" )   setup_rust; setup_npm; build_wasm; serve ;;
  build) setup_rust; setup_npm; build_wasm; build_native ;;
  serve) serve ;;
  test)  setup_rust; setup_npm; setup_chromium; build_wasm; run_tests ;;
  bench) setup_rust; setup_npm; setup_chromium; build_wasm; build_native; bench ;;
  *) echo "usage: ./build.sh [build|serve|test|bench]" >&2; exit 2 ;;
esac

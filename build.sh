#!/usr/bin/env bash
# scalecalc's single entry point.
#   ./build.sh          set up what is missing, build, and serve www/ on http://127.0.0.1:${PORT:-8000}
#   ./build.sh test     set up, build, and run every test (native; wasm in Chromium and Firefox;
#                       Playwright e2e in Chromium; the smoke suite in Firefox and WebKit)
#   ./build.sh build    set up and build only
#   ./build.sh serve    serve the last build
#   ./build.sh bench    the speed benchmark against scipy (informational)
#   ./build.sh fuzz [S] run every fuzz target for S seconds each (default 60)
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
  if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/selenium-webdriver ] \
    || [ ! -f node_modules/axe-core/axe.min.js ]; then
    log "installing npm tools (binaryen's wasm-opt, playwright-core, selenium-webdriver, axe-core)"
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

# Firefox and WebKit for the smoke suite (tests/engines): Debian's firefox-esr, webkit2gtk-driver
# (WebKitWebDriver and MiniBrowser) and xvfb (WebKitGTK needs a display); geckodriver from
# crates.io (npm's package downloads its binary from elsewhere at install, which cannot work here).
GECKODRIVER_VERSION=0.37.1
setup_engines() {
  if [ ! -x /usr/bin/firefox-esr ] || [ ! -x /usr/bin/WebKitWebDriver ] || ! command -v xvfb-run >/dev/null; then
    log "installing Debian's firefox-esr, webkit2gtk-driver and xvfb"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr webkit2gtk-driver xvfb >/dev/null
  fi
}

# geckodriver takes about 3 minutes to build: `test` starts it beside the wasm build and waits
# for it before the Firefox tests.
GECKO_PID=
start_geckodriver_install() {
  command -v geckodriver >/dev/null && return 0
  mkdir -p target
  log "installing geckodriver $GECKODRIVER_VERSION from crates.io in the background (log: target/geckodriver-install.log)"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" >target/geckodriver-install.log 2>&1 &
  GECKO_PID=$!
}
wait_geckodriver_install() {
  if [ -n "$GECKO_PID" ] && ! wait "$GECKO_PID"; then
    cat target/geckodriver-install.log >&2
    echo "error: could not install geckodriver" >&2
    return 1
  fi
  command -v geckodriver >/dev/null
}

build_wasm() {
  log "building the wasm modules (profile wasm: size-optimised, the fitting kernel at opt-level 3; LTO)"
  rm -rf www/pkg
  # The first-load module (the Budget panel alone) and the whole page, loaded when a tool opens.
  build_wasm_module home ""
  build_wasm_module scalecalc workbench
  write_precache
  report_sizes
}

# www/pkg/precache.js: every file the page ships with its content hash, for the service worker
# (www/sw.js), which caches them under a name made of those hashes: any change is a new version.
write_precache() {
  local f list="" entries=""
  shopt -s nullglob
  local files=(www/index.html www/*.css www/*.js www/*.webmanifest www/icons/* www/pkg/*.js www/pkg/*.wasm www/examples/*)
  shopt -u nullglob
  for f in "${files[@]}"; do
    case "$f" in www/sw.js|www/pkg/precache.js) continue ;; esac
    list+="$(sha256sum "$f" | cut -c1-16) ${f#www/}"$'\n'
    if [ "$f" = www/index.html ]; then f=www/; fi
    entries+="    '${f#www/}',"$'\n'
  done
  entries="${entries//\'\',/\'./\',}"
  {
    printf '// Written by build.sh: what the service worker caches, and the version those files make.\n'
    printf "self.PRECACHE = {\n  version: '%s',\n  files: [\n%s  ],\n};\n" "$(printf '%s' "$list" | sha256sum | cut -c1-16)" "$entries"
  } >www/pkg/precache.js
}

# build_wasm_module NAME FEATURES: www/pkg/NAME.js and NAME_bg.wasm.
build_wasm_module() {
  local name="$1" features="$2"
  # `cargo rustc --crate-type cdylib` is what makes LTO apply to a cdylib+rlib crate.
  local dir="${CARGO_TARGET_DIR:-target}"
  if small_std; then
    # Its own target directory: nightly's artefacts must not mix with stable's.
    dir="$dir/small-std"
    # RUSTFLAGS replaces .cargo/config.toml's rustflags: repeat its simd128.
    RUSTFLAGS="-C target-feature=+simd128 -Zunstable-options -Cpanic=immediate-abort" CARGO_TARGET_DIR="$dir" \
      cargo "+$NIGHTLY" rustc -p scalecalc --lib --profile wasm --target "$WASM_TARGET" \
      --no-default-features --features "$features" --crate-type cdylib -Z build-std=std,panic_abort
  else
    cargo rustc -p scalecalc --lib --profile wasm --target "$WASM_TARGET" --no-default-features \
      --features "$features" --crate-type cdylib
  fi
  wasm-bindgen "$dir/$WASM_TARGET/wasm/scalecalc.wasm" --out-dir www/pkg --out-name "$name" --target web --no-typescript
  node_modules/.bin/wasm-opt -Oz "www/pkg/${name}_bg.wasm" -o "www/pkg/${name}_bg.wasm"
}

# Every file the page ships, raw and gzip -9: what every visit loads (checked against the budget;
# printed only) and the workbench module, loaded the first time a tool opens (and fetched by the
# service worker in the background once the first visit is on screen, for offline use).
BUDGET_GZ=300000
report_sizes() {
  local first=() later=()
  shopt -s nullglob
  first=(www/pkg/home_bg.wasm www/pkg/home.js www/pkg/precache.js www/*.js www/*.css www/*.html www/*.webmanifest www/icons/icon.svg)
  later=(www/pkg/scalecalc_bg.wasm www/pkg/scalecalc.js)
  shopt -u nullglob
  {
    printf 'shipped file sizes (bytes):\n'
    printf '  %-28s %9s %9s\n' file raw gzip-9
    size_rows "every visit (first load)" "${first[@]}"
    local first_gz=$rows_gz
    size_rows "when a tool first opens (the service worker fetches it after the first visit)" "${later[@]}"
    printf '  %-28s %9s %9d\n' "all files" "" $((first_gz + rows_gz))
    if [ "$first_gz" -le "$BUDGET_GZ" ]; then
      printf '  budget %d B gzipped for the first load: within it, %d B to spare\n' "$BUDGET_GZ" $((BUDGET_GZ - first_gz))
    else
      printf '  budget %d B gzipped for the first load: OVER by %d B (%d %%)\n' "$BUDGET_GZ" $((first_gz - BUDGET_GZ)) \
        $(((first_gz - BUDGET_GZ) * 100 / BUDGET_GZ))
    fi
  } >&2
}

# size_rows TITLE FILE...: one row per file and a subtotal; sets rows_gz.
size_rows() {
  local title="$1" f raw gz total_raw=0
  shift
  rows_gz=0
  printf '  %s:\n' "$title"
  for f in "$@"; do
    raw=$(wc -c <"$f")
    gz=$(gzip -9c "$f" | wc -c)
    total_raw=$((total_raw + raw))
    rows_gz=$((rows_gz + gz))
    printf '    %-26s %9d %9d\n' "$f" "$raw" "$gz"
  done
  printf '    %-26s %9d %9d\n' subtotal "$total_raw" "$rows_gz"
}

build_native() {
  log "building the native CLI"
  cargo build --release
}

serve() {
  log "serving www/ on http://127.0.0.1:$PORT (Ctrl-C to stop)"
  exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory www
}

# target/bench-venv: Python with numpy and scipy, for the benchmark's scipy baseline and the test
# that runs the fit's exported Python script. Debian's python3-venv when venv is missing.
setup_python() {
  local py=target/bench-venv/bin/python
  if [ -x "$py" ] && "$py" -c 'import numpy, scipy' 2>/dev/null; then return 0; fi
  log "creating target/bench-venv with numpy and scipy (pip)"
  if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
  fi
  rm -rf target/bench-venv
  python3 -m venv target/bench-venv && "$py" -m pip install --quiet numpy scipy
}

run_tests() {
  log "native tests (unit, property, integration, CLI; the fit's Python script with numpy and scipy)"
  cargo test --release
  log "wasm tests in headless Chromium (wasm-bindgen-test)"
  CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
    cargo test -p scalecalc --target "$WASM_TARGET" --no-default-features --features workbench --test web
  log "end-to-end tests in headless Chromium (Playwright)"
  node --test --test-concurrency=1 tests/e2e/
  wait_geckodriver_install
  log "wasm tests in headless Firefox (wasm-bindgen-test, geckodriver)"
  GECKODRIVER="$(command -v geckodriver)" WASM_BINDGEN_TEST_TIMEOUT=120 \
    cargo test -p scalecalc --target "$WASM_TARGET" --no-default-features --features workbench --test web
  log "smoke suite in Firefox and WebKit (WebDriver; WebKit under xvfb)"
  xvfb-run -a node --test --test-concurrency=1 tests/engines/
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
  setup_python || log "could not set up target/bench-venv: no scipy numbers"
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

# Coverage-guided fuzzing of every entry point that reads text a person typed (fuzz/: cargo-fuzz
# and libFuzzer, which need nightly — the machine image has it; elsewhere `rustup toolchain
# install nightly`). Each target runs for SECONDS from the committed seeds (fuzz/corpus/TARGET)
# and, when ../shared is beside the project, its data files; what it learns goes to
# target/fuzz-corpus/TARGET, crashes to fuzz/artifacts/TARGET. A run over 1 s is a hang.
FUZZ_VERSION=0.13.2
fuzz() {
  local seconds="$1" t extra
  if ! cargo fuzz --version >/dev/null 2>&1; then
    log "installing cargo-fuzz $FUZZ_VERSION"
    cargo install cargo-fuzz --version "$FUZZ_VERSION"
  fi
  for t in $(cargo "+$NIGHTLY" fuzz list); do
    mkdir -p "target/fuzz-corpus/$t"
    extra=()
    if [ "$t" = table ] && [ -d ../shared/data ]; then extra=(../shared/data); fi
    log "fuzzing $t for $seconds s"
    # No sanitizer (safe Rust; about twice the executions), with debug assertions and overflow checks.
    if ! cargo "+$NIGHTLY" fuzz run -s none -a "$t" "target/fuzz-corpus/$t" "fuzz/corpus/$t" "${extra[@]}" -- \
      -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      >"target/fuzz-$t.log" 2>&1; then
      tail -n 60 "target/fuzz-$t.log" >&2
      echo "error: fuzz target $t failed (log: target/fuzz-$t.log; input: fuzz/artifacts/$t)" >&2
      return 1
    fi
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "target/fuzz-$t.log" || true
  done
}

case "${1:-}" in
  "" )   setup_rust; setup_npm; build_wasm; serve ;;
  build) setup_rust; setup_npm; build_wasm; build_native ;;
  serve) serve ;;
  test)  setup_rust; setup_npm; setup_chromium; setup_engines; start_geckodriver_install; setup_python; build_wasm; run_tests ;;
  fuzz)  fuzz "${2:-60}" ;;
  bench) setup_rust; setup_npm; setup_chromium; build_wasm; build_native; bench ;;
  *) echo "usage: ./build.sh [build|serve|test|bench|fuzz [SECONDS]]" >&2; exit 2 ;;
esac

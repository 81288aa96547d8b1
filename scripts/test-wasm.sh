#!/usr/bin/env bash
# core's and python's wasm tests (`core/tests/wasm.rs`, `python/tests/wasm.rs`) in headless
# Chromium. wasm-bindgen-test's runner (from wasm-bindgen-cli) serves them on a page with the
# cross-origin-isolation headers, so the memory is shared and threads are real Web Workers,
# and drives Chromium through chromedriver. The build is the browser build's: nightly,
# build-std, and the wasm32 rustflags of .cargo/config.toml; debuginfo is off, which saves a
# quarter of the build. Extra arguments go to the test harness (a test name filters).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/install.sh

ensure_web_tools
ensure_browser_test_tools
ensure_wasm_test_tools

chromedriver=$(command -v chromedriver) || die "chromedriver is not on PATH"

# The runner's limit is for a whole test binary's page; a run takes about a second.
CHROMEDRIVER=$chromedriver \
  WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-120} \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  CARGO_UNSTABLE_BUILD_STD=panic_abort,std \
  CARGO_PROFILE_DEV_DEBUG=0 \
  RUSTUP_TOOLCHAIN=nightly \
  cargo test --target wasm32-unknown-unknown -p threadlab-core -p threadlab-python --test wasm -- "$@"

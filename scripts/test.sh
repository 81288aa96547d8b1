#!/usr/bin/env bash
# Every check, in the order CI runs them (.ci/run calls exactly this), stopping at the first
# failure. Running the benchmarks is separate: see the README.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/install.sh

ensure_native_tools
ensure_web_tools
ensure_browser_test_tools

# step TITLE COMMAND...
step() {
  local title=$1 status=0
  shift
  printf '\n==> %s\n    $ %s\n' "$title" "$*"
  "$@" || status=$?
  if ((status)); then
    printf '\nFAILED: %s (exit %d)\n    $ %s\n' "$title" "$status" "$*" >&2
    exit "$status"
  fi
}

step "formatting" cargo fmt --all -- --check
step "lints" cargo clippy --workspace --all-targets -- -D warnings
step "tests" cargo test --workspace
step "the browser course builds" scripts/build-web.sh
step "core and python on wasm (headless Chromium)" scripts/test-wasm.sh
step "the CLI that serves it builds" cargo build -p threadlab
step "browser tests (headless Chromium)" cargo test -p threadlab-e2e -- --include-ignored
step "benchmarks compile" cargo bench -p threadlab-core --no-run

printf '\nAll checks passed.\n'

#!/usr/bin/env bash
# Builds the browser course into dist/ with trunk (release by default; extra arguments go to
# `trunk build`). Shared-memory wasm needs nightly and a std built with atomics: the rustflags
# are in .cargo/config.toml, build-std is set here through cargo's environment, so that it
# applies to this build only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/install.sh

ensure_web_tools

CARGO_UNSTABLE_BUILD_STD=panic_abort,std RUSTUP_TOOLCHAIN=nightly trunk build --release --cargo-profile web "$@"

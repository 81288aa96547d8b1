#!/usr/bin/env bash
# Builds core and the interpreter for the browser (wasm32 with shared memory), which must keep compiling even before
# the web front end exists. The rustflags come from .cargo/config.toml; build-std is passed here
# rather than set there because an `[unstable]` table would apply to every nightly build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/install.sh

ensure_web_tools

cargo +nightly build -p threadlab-core -p threadlab-python --target wasm32-unknown-unknown -Z build-std=panic_abort,std

#!/usr/bin/env bash
# The main job: install what is missing, build the threadlab CLI in release, say how to run it.
# Once the browser course exists, this is also where it gets built and served.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/install.sh

ensure_native_tools

cargo build --release -p threadlab

cat <<'DONE'

threadlab is built. From the repository root:

  target/release/threadlab --help
  target/release/threadlab bench      # serial vs threaded, GIL vs no GIL, Lock vs Mutex
DONE

#!/usr/bin/env bash
# The main job: install what is missing, build the threadlab CLI and the browser course (both
# release), then serve the course on http://127.0.0.1:8080/ until Ctrl-C. Extra arguments go
# to `threadlab serve` (for example `--port 9000`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/install.sh

ensure_native_tools
ensure_web_tools

cargo build --release -p threadlab
scripts/build-web.sh

cat <<'DONE'

threadlab is built. The command line, from the repository root:

  target/release/threadlab lessons     # the course in the terminal
  target/release/threadlab run FILE.py # run a program on real threads
  target/release/threadlab bench       # serial vs threaded, GIL vs no GIL, Lock vs Mutex

DONE
exec target/release/threadlab serve --dir dist "$@"

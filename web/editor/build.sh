#!/usr/bin/env bash
# Bundles the code editor (CodeMirror 6 from npm) into web/editor/dist/editor.js with esbuild.
# trunk runs this before every build (Trunk.toml); packages are installed only when missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [[ ! -d node_modules || package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund --ignore-scripts
fi
if [[ ! -f dist/editor.js || editor.js -nt dist/editor.js || package-lock.json -nt dist/editor.js ]]; then
  npm run --silent build
fi

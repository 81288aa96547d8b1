# shellcheck shell=bash
# Install helpers shared by the scripts in scripts/. Sourced, never run.
#
# Every ensure_* looks first and installs only what is missing, so a second run is quick and
# silent. Command output is captured before it is searched: with `pipefail`, piping straight
# into `grep -q` can fail when grep stops reading early, and the check would wrongly say
# "missing".

note() { printf 'threadlab: %s\n' "$*" >&2; }
die() { note "error: $*"; exit 1; }

# Tools that cargo installs (trunk, wasm-bindgen) live here, whether or not a login shell put
# it on PATH.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

require_rustup() {
  command -v rustup >/dev/null 2>&1 ||
    die "rustup is not installed: get it from https://rustup.rs, then run this again"
}

# ensure_toolchain TOOLCHAIN
ensure_toolchain() {
  local toolchain=$1 installed
  installed=$(rustup toolchain list)
  grep -q "^${toolchain}-" <<<"$installed" && return
  note "installing the Rust $toolchain toolchain"
  rustup toolchain install "$toolchain" --profile minimal
}

# ensure_component TOOLCHAIN COMPONENT...
ensure_component() {
  local toolchain=$1 installed component missing=()
  shift
  installed=$(rustup component list --installed --toolchain "$toolchain")
  for component in "$@"; do
    # Installed components carry the host triple: "clippy-x86_64-unknown-linux-gnu".
    grep -Eq "^${component}(-|$)" <<<"$installed" || missing+=("$component")
  done
  ((${#missing[@]})) || return 0
  note "adding ${missing[*]} to the $toolchain toolchain"
  rustup component add --toolchain "$toolchain" "${missing[@]}"
}

# ensure_target TOOLCHAIN TARGET...
ensure_target() {
  local toolchain=$1 installed target missing=()
  shift
  installed=$(rustup target list --installed --toolchain "$toolchain")
  for target in "$@"; do
    grep -qx "$target" <<<"$installed" || missing+=("$target")
  done
  ((${#missing[@]})) || return 0
  note "adding the ${missing[*]} target to the $toolchain toolchain"
  rustup target add --toolchain "$toolchain" "${missing[@]}"
}

# ensure_cargo_tool CRATE VERSION [TOOLCHAIN] [unlocked]
# Installs exactly VERSION, built with TOOLCHAIN (default stable). `unlocked` leaves out
# --locked, for crates whose own lock file names versions the registry does not serve.
ensure_cargo_tool() {
  local crate=$1 version=$2 toolchain=${3:-stable} flags=(--locked) installed
  [[ ${4:-} == unlocked ]] && flags=()
  installed=$(cargo install --list)
  grep -qx "${crate} v${version}:" <<<"$installed" && return
  note "building $crate $version with $toolchain (this can take many minutes)"
  cargo "+$toolchain" install "$crate" --version "$version" "${flags[@]}"
}

# ensure_apt PACKAGE...
ensure_apt() {
  local package missing=() sudo=
  for package in "$@"; do
    [[ $(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) == installed ]] ||
      missing+=("$package")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null 2>&1 ||
    die "please install ${missing[*]} with your system's package manager"
  ((EUID == 0)) || sudo=sudo
  note "installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# ----- what each job needs -----

# The native workspace: stable Rust, with the formatter and linter CI runs.
ensure_native_tools() {
  require_rustup
  ensure_toolchain stable
  ensure_component stable rustfmt clippy
}

# The browser build. Shared-memory wasm needs nightly's build-std, hence rust-src. trunk
# (about 21 minutes to build on 2 cores, once) must run the wasm-bindgen-cli whose version
# equals the wasm-bindgen in Cargo.lock; it never downloads tools itself (Trunk.toml).
ensure_web_tools() {
  require_rustup
  ensure_toolchain nightly
  ensure_component nightly rust-src
  ensure_target nightly wasm32-unknown-unknown
  ensure_cargo_tool wasm-bindgen-cli "$(locked_version wasm-bindgen)" stable unlocked
  ensure_cargo_tool trunk 0.22.1 nightly
  # The editor is bundled from npm packages (web/editor/build.sh).
  command -v npm >/dev/null 2>&1 || ensure_apt npm
}

# The browser tests: Debian's Chromium and its chromedriver.
ensure_browser_test_tools() {
  ensure_apt chromium chromium-driver
}

# The wasm tests (scripts/test-wasm.sh) run under wasm-bindgen-test-runner, which comes with
# wasm-bindgen-cli (ensure_web_tools). The wasm-bindgen-test crate talks to that runner through
# wasm-bindgen-test-shared, which must be the runner's version: Cargo.lock's wasm-bindgen.
ensure_wasm_test_tools() {
  local bindgen shared
  bindgen=$(locked_version wasm-bindgen)
  shared=$(locked_version wasm-bindgen-test-shared)
  [[ $shared == "$bindgen" ]] ||
    die "Cargo.lock has wasm-bindgen-test-shared $shared but wasm-bindgen $bindgen: pick the wasm-bindgen-test release made with wasm-bindgen $bindgen"
  command -v wasm-bindgen-test-runner >/dev/null 2>&1 ||
    die "wasm-bindgen-test-runner is missing: it comes with wasm-bindgen-cli $bindgen"
}

# locked_version CRATE: the version Cargo.lock pins.
locked_version() {
  awk -v name="$1" '$0 == "name = \"" name "\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

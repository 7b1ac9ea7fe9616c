#!/usr/bin/env bash
# Installs and verifies every native tool the project needs, at pinned versions,
# into a per-machine cache outside the repo so a warm machine never rebuilds.
# Idempotent: each tool is checked by version and skipped when present.
#   CIRO_TOOLCHAIN_DIR  cache root (default ~/.cache/ciro-toolchain)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.env
source "$here/versions.env"
T="${CIRO_TOOLCHAIN_DIR:-$HOME/.cache/ciro-toolchain}"
mkdir -p "$T"
log() { printf '[toolchain] %s\n' "$*"; }
t0=$(date +%s)

# Each tool is --locked to its own lockfile. Tools of one Cairo release share a
# target dir (same cairo-lang crates). LTO and a single codegen unit only make
# the binaries marginally faster and the cold build much slower on 2 cores.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
cargo_tool() { # crate version bin-name dest target-dir
  local crate=$1 version=$2 bin=$3 dest=$4 target=$5
  if [ -x "$dest/bin/$bin" ]; then
    log "$crate $version: cached"
    return
  fi
  log "$crate $version: building (cold build, this takes a while)"
  local s=$(date +%s)
  CARGO_TARGET_DIR="$target" cargo install --locked --quiet --version "$version" --root "$dest" "$crate"
  log "$crate $version: built in $(( $(date +%s) - s ))s"
}

command -v cargo >/dev/null || { echo "cargo is required (rustup toolchain)"; exit 1; }

cargo_tool starknet-devnet "$STARKNET_DEVNET_VERSION" starknet-devnet \
  "$T/starknet-devnet-$STARKNET_DEVNET_VERSION" "$T/target-devnet"
cargo_tool universal-sierra-compiler "$USC_VERSION" universal-sierra-compiler "$T/usc-$USC_VERSION" "$T/target-usc"
cargo_tool starknet-compile "$CAIRO_VERSION" starknet-compile "$T/cairo-$CAIRO_VERSION" "$T/target-cairo"
cargo_tool cairo-test "$CAIRO_VERSION" cairo-test "$T/cairo-$CAIRO_VERSION" "$T/target-cairo"
# Build directories are only needed while building; the binaries are the cache.
rm -rf "$T/target-devnet" "$T/target-usc" "$T/target-cairo"

# The compiler looks for corelib/ two levels above its binary.
corelib="$T/cairo-$CAIRO_VERSION/corelib"
if [ ! -f "$corelib/src/lib.cairo" ]; then
  log "corelib $CAIRO_VERSION: fetching from the $CORELIB_CRATE $CORELIB_CRATE_VERSION crate"
  tmp=$(mktemp -d)
  crate_file="$tmp/c.crate"
  curl -fsSL --retry 3 -o "$crate_file" \
    "https://static.crates.io/crates/$CORELIB_CRATE/$CORELIB_CRATE-$CORELIB_CRATE_VERSION.crate"
  echo "$CORELIB_CRATE_SHA256  $crate_file" | sha256sum -c --quiet
  tar xzf "$crate_file" -C "$tmp" "$CORELIB_CRATE-$CORELIB_CRATE_VERSION/corelib"
  grep -q "version = \"$CAIRO_VERSION\"" "$tmp/$CORELIB_CRATE-$CORELIB_CRATE_VERSION/corelib/Scarb.toml" \
    || { echo "corelib in $CORELIB_CRATE $CORELIB_CRATE_VERSION is not $CAIRO_VERSION"; exit 1; }
  rm -rf "$corelib" && mv "$tmp/$CORELIB_CRATE-$CORELIB_CRATE_VERSION/corelib" "$corelib"
  rm -rf "$tmp"
fi

# Redis for the store tests and for multi-instance deployments.
if ! command -v redis-server >/dev/null; then
  log "redis-server: installing from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi

# openssl makes the private CA and certificate of the Redis-over-TLS test (test/store/redis-tls.test.ts).
if ! command -v openssl >/dev/null; then
  log "openssl: installing from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq openssl >/dev/null
fi

# Headless Chromium (Debian's; browser downloads from a CDN are not possible here) for the console's browser test.
if ! command -v chromium >/dev/null; then
  log "chromium: installing from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi

# Verify: every tool answers with the pinned version.
check() { # label expected command...
  local label=$1 want=$2; shift 2
  # stdout first: Debian's chromium launcher writes shell noise to stderr before its version.
  local got; got=$("$@" 2>/dev/null | head -n1); [ -n "$got" ] || got=$("$@" 2>&1 | head -n1)
  case "$got" in *"$want"*) log "ok  $label: $got" ;; *) echo "$label: expected $want, got: $got"; exit 1 ;; esac
}
check starknet-devnet "$STARKNET_DEVNET_VERSION" "$T/starknet-devnet-$STARKNET_DEVNET_VERSION/bin/starknet-devnet" --version
check universal-sierra-compiler "$USC_VERSION" "$T/usc-$USC_VERSION/bin/universal-sierra-compiler" --version
check starknet-compile "$CAIRO_VERSION" "$T/cairo-$CAIRO_VERSION/bin/starknet-compile" --version
check cairo-test "$CAIRO_VERSION" "$T/cairo-$CAIRO_VERSION/bin/cairo-test" --version
check redis-server "v=" redis-server --version
check chromium "Chromium" chromium --version
check openssl "OpenSSL" openssl version
log "toolchain ready in $(( $(date +%s) - t0 ))s (cache: $T)"

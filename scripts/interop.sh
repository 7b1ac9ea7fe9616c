#!/usr/bin/env bash
# The interop suite's clients (test/interop/README.md): each Node client
# folder gets `npm ci` from its committed lockfile, and the starknet.go driver
# is built into ~/.cache/ciro-interop/go-<go.sum hash>/. Idempotent and quick
# when warm: a folder whose node_modules was installed from the same
# package.json + package-lock.json is left alone; `go build` only relinks
# what changed. Without a recent enough `go` on the machine, the pinned Go
# toolchain comes from the Go module proxy (scripts/versions.env).
#
# A missing or too old Go does not fail the setup (the rest of the project
# does not need it): it is reported here, and the starknet.go interop tests
# fail with the reason. A failed `npm ci` does fail it.
set -euo pipefail
shopt -s nullglob
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
interop="$root/test/interop"
t0=$(date +%s)
say() { echo "[interop] $*"; }
since() { echo "$(( $(date +%s) - $1 ))s"; }

# --- Node clients ---------------------------------------------------------
for dir in "$interop"/clients/*/; do
  dir="${dir%/}"
  name="$(basename "$dir")"
  [ -f "$dir/package-lock.json" ] || { say "$name: no package-lock.json"; exit 1; }
  want="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1)"
  stamp="$dir/node_modules/.ciro-interop.sha256"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    say "$name: node_modules matches the lockfile"
    continue
  fi
  t=$(date +%s)
  # No install scripts: none of these trees needs one, and none should run.
  (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
  say "$name: npm ci in $(since "$t")"
done

# --- starknet.go driver ---------------------------------------------------
need="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$interop/go/go.mod")"
candidates() { command -v go 2>/dev/null || true; printf '%s\n' /usr/local/go/bin/go /usr/lib/go/bin/go; }
version_of() { "$1" env GOVERSION 2>/dev/null | sed 's/^go//'; }
recent_enough() { local have; have="$(version_of "$1")"; [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" = "$need" ]; }
# The first go on PATH or in the usual places that is new enough for go.mod.
pick_go() { local g; for g in $(candidates); do [ -x "$g" ] && recent_enough "$g" && { echo "$g"; return 0; }; done; return 1; }
any_go() { local g; for g in $(candidates); do [ -x "$g" ] && { echo "$g"; return 0; }; done; return 1; }

# The pinned toolchain module from the Go module proxy (what GOTOOLCHAIN=go1.x fetches), into the
# toolchain cache; used only when no go on the machine is new enough.
# shellcheck source=versions.env
source "$root/scripts/versions.env"
tc_dir="${CIRO_TOOLCHAIN_DIR:-$HOME/.cache/ciro-toolchain}/go-$GO_TOOLCHAIN_VERSION"
fetch_go() {
  [ -x "$tc_dir/bin/go" ] && return 0
  local mod="golang.org/toolchain@v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-amd64" tmp
  tmp="$(mktemp -d)"
  say "no go >= $need on this machine: fetching go $GO_TOOLCHAIN_VERSION from the Go module proxy"
  curl -sfL --retry 3 -o "$tmp/go.zip" "${GOPROXY_URL:-https://proxy.golang.org}/golang.org/toolchain/@v/v0.0.1-go$GO_TOOLCHAIN_VERSION.linux-amd64.zip" || { rm -rf "$tmp"; return 1; }
  echo "$GO_TOOLCHAIN_SHA256  $tmp/go.zip" | sha256sum -c --quiet - || { say "go toolchain zip: checksum mismatch"; rm -rf "$tmp"; return 1; }
  unzip -q "$tmp/go.zip" -d "$tmp/x"
  # Module zips carry no file modes; the go command marks the same files executable when it switches toolchains.
  chmod +x "$tmp/x/$mod/bin/"* "$tmp/x/$mod/pkg/tool/"*/*
  mkdir -p "$(dirname "$tc_dir")" && rm -rf "$tc_dir" && mv "$tmp/x/$mod" "$tc_dir" && rm -rf "$tmp"
}

go_bin="$(pick_go || true)"
if [ -z "$go_bin" ] && [ -x "$tc_dir/bin/go" ] && recent_enough "$tc_dir/bin/go"; then go_bin="$tc_dir/bin/go"; fi
if [ -z "$go_bin" ]; then
  t=$(date +%s)
  command -v unzip >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq unzip >/dev/null; } || true
  if fetch_go && recent_enough "$tc_dir/bin/go"; then
    go_bin="$tc_dir/bin/go"
    say "go $GO_TOOLCHAIN_VERSION ready in $(since "$t"): $go_bin"
  fi
fi

if [ -z "$go_bin" ]; then
  found="$(any_go || true)"
  say "WARNING: no go >= $need${found:+ (found $found, go $(version_of "$found"))}; the starknet.go interop tests will fail"
else
  have="$(version_of "$go_bin")"
  key="$(sha256sum "$interop/go/go.sum" | cut -c1-16)"
  out="${XDG_CACHE_HOME:-$HOME/.cache}/ciro-interop/go-$key/ciro-interop-go"
  t=$(date +%s)
  # go.sum is authoritative: -mod=readonly fails rather than rewrite it.
  if (cd "$interop/go" && GOFLAGS="-mod=readonly -buildvcs=false" "$go_bin" build -o "$out" .); then
    say "starknet.go driver (go $have) built in $(since "$t"): $out"
  else
    say "WARNING: go build failed; the starknet.go interop tests will fail"
  fi
fi

say "ready in $(since "$t0")"

#!/usr/bin/env bash
# The interop suite's clients (test/interop/README.md): each Node client
# folder gets `npm ci` from its committed lockfile, and the starknet.go driver
# is built into ~/.cache/ciro-interop/go-<go.sum hash>/. Idempotent and quick
# when warm: a folder whose node_modules was installed from the same
# package.json + package-lock.json is left alone; `go build` only relinks
# what changed. Installs Debian's golang only if no `go` is found.
#
# A missing or too old Go does not fail the setup (the rest of the project
# does not need it): it is reported here, and the starknet.go interop tests
# fail with the reason. A failed `npm ci` does fail it.
set -euo pipefail
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
find_go() {
  if command -v go >/dev/null 2>&1; then command -v go; return; fi
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go; do [ -x "$g" ] && { echo "$g"; return; }; done
  return 1
}

go_bin="$(find_go || true)"
if [ -z "$go_bin" ]; then
  t=$(date +%s)
  say "no go found: apt-get install golang"
  if apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang >/dev/null; then
    go_bin="$(find_go || true)"
  fi
  say "apt-get install golang took $(since "$t")"
fi

need="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$interop/go/go.mod")"
if [ -z "$go_bin" ]; then
  say "WARNING: no Go toolchain; the starknet.go interop tests will fail"
else
  have="$("$go_bin" env GOVERSION 2>/dev/null | sed 's/^go//')"
  if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
    say "WARNING: $go_bin is go $have, go.mod needs go $need; the starknet.go interop tests will fail"
  else
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
fi

say "ready in $(since "$t0")"

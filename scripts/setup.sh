#!/usr/bin/env bash
# One command from a fresh clone to a ready machine: native toolchain (cached
# per machine), Dockerfile/compose checkers, Node dependencies from the
# lockfile, compiled contracts, the interop suite's clients.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
t0=$(date +%s)
bash scripts/toolchain.sh
# hadolint and docker compose (pinned, checksummed) for test/docker's static checks.
bash docker/check.sh
echo "[setup] npm ci"
npm ci --no-audit --no-fund --loglevel=error
node_modules/.bin/node --version | grep -q '^v22\.' || { echo "[setup] node_modules/.bin/node is not Node 22"; exit 1; }
bash scripts/build-contracts.sh
bash scripts/build-native.sh    # relay/entry/native: the Node entry's Poseidon (starknet-crypto)
npm run build:console   # relay/console/assets.generated.ts: the console the relay serves at /console
bash scripts/interop.sh
echo "[setup] ready in $(( $(date +%s) - t0 ))s"

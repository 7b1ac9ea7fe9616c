#!/usr/bin/env bash
# Compiles the CIRO contracts: Cairo -> Sierra (starknet-compile) -> CASM
# (universal-sierra-compiler, the version devnet locks, so the compiled class
# hash matches what devnet computes on declare). Output: contracts/target/.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
source "$here/versions.env"
T="${CIRO_TOOLCHAIN_DIR:-$HOME/.cache/ciro-toolchain}"
compile="$T/cairo-$CAIRO_VERSION/bin/starknet-compile"
usc="$T/usc-$USC_VERSION/bin/universal-sierra-compiler"
[ -x "$compile" ] && [ -x "$usc" ] || { echo "toolchain missing: run bash scripts/setup.sh"; exit 1; }

out="$root/contracts/target"
mkdir -p "$out"
# module path : artifact name
contracts=(
  "ciro::token::CiroToken:CiroToken"
  "ciro::cdc_pool::CdcPool:CdcPool"
  "ciro::job_mgr::JobMgr:JobMgr"
  "ciro::paymaster::Paymaster:Paymaster"
  "ciro::mocks::pragma::MockPragma:MockPragma"
  "ciro::mocks::reverter::MockReverter:MockReverter"
)
t0=$(date +%s)
for entry in "${contracts[@]}"; do
  path="${entry%:*}"; name="${entry##*:}"
  "$compile" --contract-path "$path" "$root/contracts" "$out/$name.contract_class.json"
  "$usc" compile-contract --sierra-path "$out/$name.contract_class.json" \
    --output-path "$out/$name.compiled_contract_class.json"
  echo "[contracts] $name"
done
echo "[contracts] built ${#contracts[@]} contracts in $(( $(date +%s) - t0 ))s -> contracts/target/"

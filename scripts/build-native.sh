#!/usr/bin/env bash
# The Node entry's native Poseidon and ECDSA (relay/entry/native, starknet-crypto behind
# napi): built from the pinned crates (--locked) into the toolchain cache, so a
# clean clone recompiles only this small crate, and copied beside its loader
# (relay/entry/nativeCrypto.ts). Without it the relay hashes and signs in JS, slower.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
T="${CIRO_TOOLCHAIN_DIR:-$HOME/.cache/ciro-toolchain}"
echo "[native] cargo build relay/entry/native"
cargo build --release --locked --quiet --manifest-path "$root/relay/entry/native/Cargo.toml" --target-dir "$T/native-target"
cp "$T/native-target/release/libciro_crypto.so" "$root/relay/entry/native/ciro_crypto.node"

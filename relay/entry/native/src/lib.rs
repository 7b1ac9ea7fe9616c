//! starknet-crypto's (starknet-rs) Poseidon for the relay's Node entry: hashing a relayed
//! execution's transaction costs ~6 ms of CPU in JS (@scure/starknet), ~0.2 ms here. Felts cross
//! the boundary as hex strings. The TS side (../nativeCrypto.ts) checks the addon against
//! @scure/starknet when it loads it, and falls back to JS when it is absent (Workers, no build).
use napi::bindgen_prelude::*;
use napi_derive::napi;
use starknet_crypto::Felt;

fn felt(hex: &str) -> Result<Felt> {
    Felt::from_hex(hex).map_err(|e| Error::from_reason(format!("not a felt: {hex}: {e}")))
}

/// Poseidon over any number of felts (hex), as Cairo's poseidon_hash_span.
#[napi(js_name = "poseidonHashMany")]
pub fn poseidon_many(values: Vec<String>) -> Result<String> {
    let felts = values.iter().map(|v| felt(v)).collect::<Result<Vec<_>>>()?;
    Ok(starknet_crypto::poseidon_hash_many(&felts).to_hex_string())
}

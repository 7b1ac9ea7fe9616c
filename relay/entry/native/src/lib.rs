//! starknet-crypto's (starknet-rs) Poseidon, Pedersen and ECDSA for the relay's Node entry: hashing a
//! relayed execution's transaction costs ~6 ms of CPU in JS (@scure/starknet), ~0.2 ms here, signing
//! it ~1.5 ms, ~0.1 ms here, and a Pedersen ~2 ms in JS (a deployment's address is one per felt of
//! its calldata, plus six). Felts cross
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

/// Pedersen over a list, chained from 0 and closed with the list's length: Cairo 0's
/// hash_on_elements (starknet.js computeHashOnElements), what a contract address is made of.
#[napi(js_name = "pedersenHashOnElements")]
pub fn pedersen_on_elements(values: Vec<String>) -> Result<String> {
    let mut h = Felt::ZERO;
    for v in &values {
        h = starknet_crypto::pedersen_hash(&h, &felt(v)?);
    }
    Ok(starknet_crypto::pedersen_hash(&h, &Felt::from(values.len() as u64)).to_hex_string())
}

/// ECDSA on the Stark curve with RFC 6979's deterministic k, as @scure/starknet signs: [r, s] (hex).
#[napi(js_name = "sign")]
pub fn sign(private_key: String, message: String) -> Result<Vec<String>> {
    let (key, msg) = (felt(&private_key)?, felt(&message)?);
    // A k giving r = 0 or s = 0 (odds of about 2^-251) is drawn again with a seed, as starknet-rs's signer does.
    let mut seed = Felt::ZERO;
    loop {
        let k = starknet_crypto::rfc6979_generate_k(&msg, &key, Some(&seed));
        match starknet_crypto::sign(&key, &msg, &k) {
            Ok(s) => return Ok(vec![s.r.to_hex_string(), s.s.to_hex_string()]),
            Err(starknet_crypto::SignError::InvalidK) => seed += Felt::ONE,
            Err(e) => return Err(Error::from_reason(format!("cannot sign: {e}"))),
        }
    }
}

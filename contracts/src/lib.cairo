// Shared building blocks, written in-house (no external Cairo libraries are available).
pub mod access;
pub mod pausable;
pub mod src5;
pub mod upgrade;

// The four deployable contracts compiled by scripts/build-contracts.sh.
pub mod cdc_pool;
pub mod job_mgr;
pub mod paymaster;
pub mod token;

// Local-chain stand-ins for third-party contracts (also compiled by scripts/build-contracts.sh).
pub mod mocks;


#[cfg(test)]
mod tests;

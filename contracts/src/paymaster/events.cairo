use starknet::{ClassHash, ContractAddress};

#[derive(Drop, starknet::Event)]
pub struct RelayerAdded {
    #[key]
    pub relayer: ContractAddress,
}

#[derive(Drop, starknet::Event)]
pub struct RelayerRemoved {
    #[key]
    pub relayer: ContractAddress,
}

#[derive(Drop, starknet::Event)]
pub struct AllowedCallSet {
    #[key]
    pub target: ContractAddress,
    #[key]
    pub selector: felt252,
    pub allowed: bool,
}

#[derive(Drop, starknet::Event)]
pub struct BlacklistUpdated {
    #[key]
    pub account: ContractAddress,
    pub blacklisted: bool,
}

#[derive(Drop, starknet::Event)]
pub struct FeeTokenSet {
    #[key]
    pub token: ContractAddress,
    pub supported: bool,
}

#[derive(Drop, starknet::Event)]
pub struct TierSet {
    #[key]
    pub tier: u8,
    pub max_txs_per_period: u32,
    pub period_seconds: u64,
}

#[derive(Drop, starknet::Event)]
pub struct AccountTierSet {
    #[key]
    pub account: ContractAddress,
    pub tier: u8,
}

#[derive(Drop, starknet::Event)]
pub struct AccountAllowanceSet {
    #[key]
    pub account: ContractAddress,
    pub max_txs_per_period: u32,
}

#[derive(Drop, starknet::Event)]
pub struct AccountAllowanceCleared {
    #[key]
    pub account: ContractAddress,
}

#[derive(Drop, starknet::Event)]
pub struct AccountClassSet {
    #[key]
    pub class_hash: ClassHash,
    pub allowed: bool,
}

#[derive(Drop, starknet::Event)]
pub struct FeesWithdrawn {
    #[key]
    pub token: ContractAddress,
    #[key]
    pub to: ContractAddress,
    pub amount: u256,
}

#[derive(Drop, starknet::Event)]
pub struct SponsoredExecution {
    #[key]
    pub account: ContractAddress,
    #[key]
    pub relayer: ContractAddress,
    pub nonce: felt252,
    pub calls_hash: felt252,
    /// Zero address / 0 for fully sponsored executions.
    pub fee_token: ContractAddress,
    pub fee_amount: u256,
}

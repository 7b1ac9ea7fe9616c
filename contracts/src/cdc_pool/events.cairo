use starknet::ContractAddress;

#[derive(Drop, starknet::Event)]
pub struct WorkerRegistered {
    #[key]
    pub worker: ContractAddress,
    pub capabilities: u64,
}

#[derive(Drop, starknet::Event)]
pub struct CapabilitiesUpdated {
    #[key]
    pub worker: ContractAddress,
    pub capabilities: u64,
}

#[derive(Drop, starknet::Event)]
pub struct Staked {
    #[key]
    pub worker: ContractAddress,
    pub amount: u256,
    pub total: u256,
}

#[derive(Drop, starknet::Event)]
pub struct UnstakeRequested {
    #[key]
    pub worker: ContractAddress,
    pub amount: u256,
    pub available_at: u64,
}

#[derive(Drop, starknet::Event)]
pub struct Unstaked {
    #[key]
    pub worker: ContractAddress,
    pub amount: u256,
}

#[derive(Drop, starknet::Event)]
pub struct Heartbeat {
    #[key]
    pub worker: ContractAddress,
    pub timestamp: u64,
}

#[derive(Drop, starknet::Event)]
pub struct Slashed {
    #[key]
    pub worker: ContractAddress,
    pub amount: u256,
    pub reason: felt252,
    pub slasher: ContractAddress,
}

#[derive(Drop, starknet::Event)]
pub struct ReputationUpdated {
    #[key]
    pub worker: ContractAddress,
    pub old: u32,
    pub new: u32,
}

#[derive(Drop, starknet::Event)]
pub struct RewardCredited {
    #[key]
    pub worker: ContractAddress,
    pub amount: u256,
}

#[derive(Drop, starknet::Event)]
pub struct RewardsClaimed {
    #[key]
    pub worker: ContractAddress,
    pub amount: u256,
}

/// `param` is the short-string name of the setting; addresses are widened to u256.
#[derive(Drop, starknet::Event)]
pub struct ConfigUpdated {
    #[key]
    pub param: felt252,
    pub value: u256,
}

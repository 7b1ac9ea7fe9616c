use starknet::ContractAddress;

#[derive(Drop, starknet::Event)]
pub struct ModelRegistered {
    #[key]
    pub model_id: u64,
    pub model_hash: felt252,
    pub requirements: u64,
    pub price: u256,
}

#[derive(Drop, starknet::Event)]
pub struct ModelUpdated {
    #[key]
    pub model_id: u64,
    pub model_hash: felt252,
    pub requirements: u64,
    pub price: u256,
}

#[derive(Drop, starknet::Event)]
pub struct ModelDeactivated {
    #[key]
    pub model_id: u64,
}

#[derive(Drop, starknet::Event)]
pub struct JobSubmitted {
    #[key]
    pub job_id: u64,
    #[key]
    pub client: ContractAddress,
    pub model_id: u64,
    pub price: u256,
}

#[derive(Drop, starknet::Event)]
pub struct JobAssigned {
    #[key]
    pub job_id: u64,
    #[key]
    pub worker: ContractAddress,
    pub deadline: u64,
}

#[derive(Drop, starknet::Event)]
pub struct JobCompleted {
    #[key]
    pub job_id: u64,
    #[key]
    pub worker: ContractAddress,
    pub result_hash: felt252,
    pub payment: u256,
}

#[derive(Drop, starknet::Event)]
pub struct JobCancelled {
    #[key]
    pub job_id: u64,
    pub refund: u256,
}

#[derive(Drop, starknet::Event)]
pub struct JobExpired {
    #[key]
    pub job_id: u64,
    pub refund: u256,
}

#[derive(Drop, starknet::Event)]
pub struct DisputeOpened {
    #[key]
    pub job_id: u64,
    pub by: ContractAddress,
    pub reason: felt252,
}

#[derive(Drop, starknet::Event)]
pub struct DisputeResolved {
    #[key]
    pub job_id: u64,
    pub pay_worker: bool,
    pub arbiter: ContractAddress,
}

#[derive(Drop, starknet::Event)]
pub struct DefaultTimeoutUpdated {
    pub default_timeout: u64,
}

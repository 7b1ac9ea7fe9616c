use starknet::ContractAddress;

#[derive(Drop, Copy, Serde, PartialEq, Debug, starknet::Store)]
pub struct WorkerInfo {
    pub registered: bool,
    pub capabilities: u64,
    pub staked: u256,
    pub pending_unstake: u256,
    pub unstake_available_at: u64,
    pub reputation: u32,
    pub last_heartbeat: u64,
    pub pending_rewards: u256,
    pub total_claimed: u256,
    pub jobs_completed: u32,
    pub jobs_failed: u32,
    pub slashed_total: u256,
    pub registered_at: u64,
}

/// SRC-5 id of `ICdcPool` (SNIP-5: XOR of the starknet_keccak of each function's extended
/// signature). test/contracts/src5.test.ts derives it from the compiled ABI and checks this value.
pub const ICDC_POOL_ID: felt252 = 0x1b58e743c88f9d2cf8f4fd647626aa6ed97ac7b71d8b53be05bc5b9fdfce45;

#[starknet::interface]
pub trait ICdcPool<TState> {
    // Worker self-service.
    fn register_worker(ref self: TState, capabilities: u64);
    fn update_capabilities(ref self: TState, capabilities: u64);
    fn stake(ref self: TState, amount: u256);
    fn request_unstake(ref self: TState, amount: u256);
    fn withdraw_unstaked(ref self: TState) -> u256;
    fn heartbeat(ref self: TState);
    fn claim_rewards(ref self: TState) -> u256;

    // Privileged.
    fn slash(ref self: TState, worker: ContractAddress, amount: u256, reason: felt252);
    fn job_assigned(ref self: TState, worker: ContractAddress);
    fn record_job_outcome(ref self: TState, worker: ContractAddress, success: bool);
    fn credit_reward(ref self: TState, worker: ContractAddress, amount: u256);
    fn set_min_stake(ref self: TState, min_stake: u256);
    fn set_unstake_delay(ref self: TState, unstake_delay: u64);
    fn set_heartbeat_timeout(ref self: TState, heartbeat_timeout: u64);
    fn set_treasury(ref self: TState, treasury: ContractAddress);

    // Views.
    fn get_worker(self: @TState, worker: ContractAddress) -> WorkerInfo;
    fn get_reputation(self: @TState, worker: ContractAddress) -> u32;
    fn pending_rewards(self: @TState, worker: ContractAddress) -> u256;
    fn is_active_worker(self: @TState, worker: ContractAddress) -> bool;
    fn is_online(self: @TState, worker: ContractAddress) -> bool;
    fn worker_count(self: @TState) -> u64;
    fn get_workers(self: @TState, offset: u64, limit: u32) -> Array<ContractAddress>;
    fn min_stake(self: @TState) -> u256;
    fn unstake_delay(self: @TState) -> u64;
    fn heartbeat_timeout(self: @TState) -> u64;
    fn token(self: @TState) -> ContractAddress;
    fn treasury(self: @TState) -> ContractAddress;
}

/// SRC-5 id of `IPoolJobs`. test/contracts/src5.test.ts derives it from the compiled ABI.
pub const IPOOL_JOBS_ID: felt252 =
    0x2bce81aeaa51b4d05fad64239224eda2afa739b8c3968715a8136fd5d1e18b5;

/// What holds a worker's unstake; apart from `ICdcPool`, whose id integrators already know.
#[starknet::interface]
pub trait IPoolJobs<TState> {
    /// Jobs JobMgr assigned to the worker that are not settled yet (assigned or disputed): while
    /// any is open, `withdraw_unstaked` refuses `CDC: jobs open`. Jobs assigned before the pool
    /// counted them are not in it (contracts/README.md, upgrade order).
    fn open_jobs(self: @TState, worker: ContractAddress) -> u32;
}

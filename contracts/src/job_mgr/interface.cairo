use starknet::ContractAddress;

#[derive(Drop, Copy, Serde, PartialEq, Debug, starknet::Store)]
pub struct Model {
    pub id: u64,
    pub model_hash: felt252,
    pub requirements: u64,
    pub price: u256,
    pub active: bool,
    pub created_at: u64,
}

/// Variant order is part of the ABI (Serde encodes the index); append new variants at the end.
#[derive(Drop, Copy, Serde, PartialEq, Debug, starknet::Store)]
pub enum JobStatus {
    #[default]
    Pending,
    Assigned,
    Completed,
    Cancelled,
    Expired,
    Disputed,
    Refunded,
}

#[derive(Drop, Copy, Serde, PartialEq, Debug, starknet::Store)]
pub struct Job {
    pub id: u64,
    pub client: ContractAddress,
    pub model_id: u64,
    pub input_hash: felt252,
    pub result_hash: felt252,
    pub worker: ContractAddress,
    pub price: u256,
    pub status: JobStatus,
    pub submitted_at: u64,
    pub assigned_at: u64,
    pub deadline: u64,
    pub completed_at: u64,
    pub timeout: u64,
    pub dispute_reason: felt252,
}

/// SRC-5 id of `IJobMgr` (SNIP-5: XOR of the starknet_keccak of each function's extended
/// signature). test/contracts/src5.test.ts derives it from the compiled ABI and checks this value.
pub const IJOB_MGR_ID: felt252 = 0x201731e1ea83f9c48f69c86aab3d76806c53a9dbe04542d214c71775d81e306;

#[starknet::interface]
pub trait IJobMgr<TState> {
    // Model registry (MODEL_ADMIN_ROLE).
    fn register_model(ref self: TState, model_hash: felt252, requirements: u64, price: u256) -> u64;
    fn update_model(
        ref self: TState, model_id: u64, model_hash: felt252, requirements: u64, price: u256,
    );
    fn deactivate_model(ref self: TState, model_id: u64);
    fn get_model(self: @TState, model_id: u64) -> Model;
    fn model_count(self: @TState) -> u64;
    fn get_models(self: @TState, offset: u64, limit: u32) -> Array<Model>;

    // Job lifecycle.
    fn submit_job(ref self: TState, model_id: u64, input_hash: felt252, timeout: u64) -> u64;
    fn assign_job(ref self: TState, job_id: u64, worker: ContractAddress);
    fn complete_job(ref self: TState, job_id: u64, result_hash: felt252);
    fn cancel_job(ref self: TState, job_id: u64);
    fn expire_job(ref self: TState, job_id: u64);
    fn open_dispute(ref self: TState, job_id: u64, reason: felt252);
    fn resolve_dispute(ref self: TState, job_id: u64, pay_worker: bool, result_hash: felt252);

    // Views.
    fn get_job(self: @TState, job_id: u64) -> Job;
    fn job_count(self: @TState) -> u64;
    fn get_jobs(self: @TState, offset: u64, limit: u32) -> Array<Job>;
    fn get_client_jobs(
        self: @TState, client: ContractAddress, offset: u64, limit: u32,
    ) -> Array<u64>;
    fn get_worker_jobs(
        self: @TState, worker: ContractAddress, offset: u64, limit: u32,
    ) -> Array<u64>;

    // Configuration.
    fn token(self: @TState) -> ContractAddress;
    fn cdc_pool(self: @TState) -> ContractAddress;
    fn default_timeout(self: @TState) -> u64;
    fn set_default_timeout(ref self: TState, default_timeout: u64);
}

/// SRC-5 id of `IJobDeadlines`. test/contracts/src5.test.ts derives it from the compiled ABI.
pub const IJOB_DEADLINES_ID: felt252 =
    0x19bca133a3b4a90e0eca8069f8d55474373f95a2d53925cd4b0c7b8adf70964;

/// The deadline JobMgr enforces; apart from `IJobMgr`, whose id integrators already know.
#[starknet::interface]
pub trait IJobDeadlines<TState> {
    /// For an assigned job, `get_job`'s deadline plus the seconds JobMgr has spent paused since the
    /// assignment, at most its timeout: what completion, expiry and the worker's dispute are judged
    /// against now (it moves only while JobMgr is paused). For a job settled or disputed, the
    /// deadline set at its assignment; 0 for one never assigned.
    fn job_deadline(self: @TState, job_id: u64) -> u64;
}

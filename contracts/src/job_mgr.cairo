//! JobMgr: model registry and inference jobs with token escrow.
//!
//! The client's payment is escrowed here at submission and leaves exactly once: to the CdcPool as
//! the worker's reward (complete / dispute won by the worker) or back to the client (cancel,
//! expire, dispute lost by the worker). Each exit moves the job to a terminal status first.

pub mod events;
pub mod interface;
pub use interface::{IJobMgr, IJobMgrDispatcher, IJobMgrDispatcherTrait, Job, JobStatus, Model};

pub mod Errors {
    pub const PAUSED: felt252 = 'JOB: paused';
    pub const MODEL_HASH_ZERO: felt252 = 'JOB: model hash zero';
    pub const UNKNOWN_MODEL: felt252 = 'JOB: unknown model';
    pub const MODEL_INACTIVE: felt252 = 'JOB: model inactive';
    pub const UNKNOWN_JOB: felt252 = 'JOB: unknown job';
    pub const NOT_PENDING: felt252 = 'JOB: not pending';
    pub const WORKER_NOT_ACTIVE: felt252 = 'JOB: worker not active';
    pub const MISSING_CAPABILITIES: felt252 = 'JOB: missing capabilities';
    pub const NOT_ASSIGNED_WORKER: felt252 = 'JOB: not assigned worker';
    pub const NOT_ASSIGNED: felt252 = 'JOB: not assigned';
    pub const DEADLINE_PASSED: felt252 = 'JOB: deadline passed';
    pub const RESULT_HASH_ZERO: felt252 = 'JOB: result hash zero';
    pub const NOT_CLIENT: felt252 = 'JOB: not client';
    pub const NOT_EXPIRED: felt252 = 'JOB: not expired';
    pub const NOT_PARTY: felt252 = 'JOB: not party';
    pub const NOT_DISPUTED: felt252 = 'JOB: not disputed';
    pub const TIMEOUT_ZERO: felt252 = 'JOB: timeout zero';
    pub const ZERO_ADDRESS: felt252 = 'JOB: zero address';
    pub const TRANSFER_FAILED: felt252 = 'JOB: transfer failed';
}

pub const MAX_PAGE: u32 = 100;

#[starknet::contract]
pub mod JobMgr {
    use core::num::traits::{SaturatingAdd, Zero};
    use starknet::storage::{
        Map, MutableVecTrait, StorageMapReadAccess, StorageMapWriteAccess, StoragePathEntry,
        StoragePointerReadAccess, StoragePointerWriteAccess, Vec, VecTrait,
    };
    use starknet::{ContractAddress, get_block_timestamp, get_caller_address, get_contract_address};
    use crate::access::{
        ARBITER_ROLE, AccessControlComponent, COORDINATOR_ROLE, DEFAULT_ADMIN_ROLE,
        MODEL_ADMIN_ROLE, PAUSER_ROLE,
    };
    use crate::cdc_pool::{ICdcPoolDispatcher, ICdcPoolDispatcherTrait};
    use crate::pausable::PausableComponent;
    use crate::src5::SRC5Component;
    use crate::token::{IERC20Dispatcher, IERC20DispatcherTrait};
    use crate::upgrade::UpgradeableComponent;
    use super::events::*;
    use super::{Errors, IJobMgr, Job, JobStatus, MAX_PAGE, Model};

    component!(path: AccessControlComponent, storage: access, event: AccessEvent);
    component!(path: SRC5Component, storage: src5, event: SRC5Event);
    component!(path: UpgradeableComponent, storage: upgradeable, event: UpgradeableEvent);
    component!(path: PausableComponent, storage: pausable, event: PausableEvent);

    #[abi(embed_v0)]
    impl AccessControlImpl =
        AccessControlComponent::AccessControlImpl<ContractState>;
    #[abi(embed_v0)]
    impl SRC5Impl = SRC5Component::SRC5Impl<ContractState>;
    #[abi(embed_v0)]
    impl UpgradeableImpl = UpgradeableComponent::UpgradeableImpl<ContractState>;
    #[abi(embed_v0)]
    impl PausableImpl = PausableComponent::PausableImpl<ContractState>;
    impl AccessInternal = AccessControlComponent::InternalImpl<ContractState>;
    impl PausableInternal = PausableComponent::InternalImpl<ContractState>;

    #[storage]
    struct Storage {
        token: ContractAddress,
        cdc_pool: ContractAddress,
        default_timeout: u64,
        model_count: u64,
        models: Map<u64, Model>,
        job_count: u64,
        jobs: Map<u64, Job>,
        client_jobs: Map<ContractAddress, Vec<u64>>,
        worker_jobs: Map<ContractAddress, Vec<u64>>,
        #[substorage(v0)]
        access: AccessControlComponent::Storage,
        #[substorage(v0)]
        src5: SRC5Component::Storage,
        #[substorage(v0)]
        upgradeable: UpgradeableComponent::Storage,
        #[substorage(v0)]
        pausable: PausableComponent::Storage,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        ModelRegistered: ModelRegistered,
        ModelUpdated: ModelUpdated,
        ModelDeactivated: ModelDeactivated,
        JobSubmitted: JobSubmitted,
        JobAssigned: JobAssigned,
        JobCompleted: JobCompleted,
        JobCancelled: JobCancelled,
        JobExpired: JobExpired,
        DisputeOpened: DisputeOpened,
        DisputeResolved: DisputeResolved,
        DefaultTimeoutUpdated: DefaultTimeoutUpdated,
        #[flat]
        AccessEvent: AccessControlComponent::Event,
        #[flat]
        SRC5Event: SRC5Component::Event,
        #[flat]
        UpgradeableEvent: UpgradeableComponent::Event,
        #[flat]
        PausableEvent: PausableComponent::Event,
    }

    #[constructor]
    fn constructor(
        ref self: ContractState,
        admin: ContractAddress,
        token: ContractAddress,
        cdc_pool: ContractAddress,
        default_timeout: u64,
    ) {
        assert(token.is_non_zero() && cdc_pool.is_non_zero(), Errors::ZERO_ADDRESS);
        assert(default_timeout > 0, Errors::TIMEOUT_ZERO);
        self.token.write(token);
        self.cdc_pool.write(cdc_pool);
        self.default_timeout.write(default_timeout);
        self.access._grant_role(DEFAULT_ADMIN_ROLE, admin);
        self.access._grant_role(PAUSER_ROLE, admin);
        self.access._grant_role(MODEL_ADMIN_ROLE, admin);
        self.access._grant_role(COORDINATOR_ROLE, admin);
        self.access._grant_role(ARBITER_ROLE, admin);
    }

    #[abi(embed_v0)]
    impl JobMgrImpl of IJobMgr<ContractState> {
        fn register_model(
            ref self: ContractState, model_hash: felt252, requirements: u64, price: u256,
        ) -> u64 {
            self.access.assert_only_role(MODEL_ADMIN_ROLE);
            assert(model_hash != 0, Errors::MODEL_HASH_ZERO);
            let id = self.model_count.read() + 1;
            self.model_count.write(id);
            let created_at = get_block_timestamp();
            self
                .models
                .write(id, Model { id, model_hash, requirements, price, active: true, created_at });
            self.emit(ModelRegistered { model_id: id, model_hash, requirements, price });
            id
        }

        fn update_model(
            ref self: ContractState, model_id: u64, model_hash: felt252, requirements: u64,
            price: u256,
        ) {
            self.access.assert_only_role(MODEL_ADMIN_ROLE);
            self.assert_model_exists(model_id);
            assert(model_hash != 0, Errors::MODEL_HASH_ZERO);
            // Jobs copy the price at submission, so repricing never touches existing escrows.
            let entry = self.models.entry(model_id);
            entry.model_hash.write(model_hash);
            entry.requirements.write(requirements);
            entry.price.write(price);
            self.emit(ModelUpdated { model_id, model_hash, requirements, price });
        }

        fn deactivate_model(ref self: ContractState, model_id: u64) {
            self.access.assert_only_role(MODEL_ADMIN_ROLE);
            self.assert_model_exists(model_id);
            let entry = self.models.entry(model_id);
            assert(entry.active.read(), Errors::MODEL_INACTIVE);
            entry.active.write(false);
            self.emit(ModelDeactivated { model_id });
        }

        fn get_model(self: @ContractState, model_id: u64) -> Model {
            self.models.read(model_id)
        }

        fn model_count(self: @ContractState) -> u64 {
            self.model_count.read()
        }

        fn get_models(self: @ContractState, offset: u64, limit: u32) -> Array<Model> {
            let mut out = array![];
            let (start, end) = page_bounds(offset, limit, self.model_count.read());
            // Ids start at 1, so index i maps to id i + 1.
            for i in start..end {
                out.append(self.models.read(i + 1));
            }
            out
        }

        fn submit_job(
            ref self: ContractState, model_id: u64, input_hash: felt252, timeout: u64,
        ) -> u64 {
            self.pausable.assert_not_paused(Errors::PAUSED);
            self.assert_model_exists(model_id);
            let model = self.models.read(model_id);
            assert(model.active, Errors::MODEL_INACTIVE);
            let client = get_caller_address();
            let id = self.job_count.read() + 1;
            self.job_count.write(id);
            let timeout = if timeout == 0 {
                self.default_timeout.read()
            } else {
                timeout
            };
            let job = Job {
                id,
                client,
                model_id,
                input_hash,
                result_hash: 0,
                worker: Zero::zero(),
                price: model.price,
                status: JobStatus::Pending,
                submitted_at: get_block_timestamp(),
                assigned_at: 0,
                deadline: 0,
                completed_at: 0,
                timeout,
                dispute_reason: 0,
            };
            self.jobs.write(id, job);
            self.client_jobs.entry(client).push(id);
            if model.price > 0 {
                let token = IERC20Dispatcher { contract_address: self.token.read() };
                let ok = token.transfer_from(client, get_contract_address(), model.price);
                assert(ok, Errors::TRANSFER_FAILED);
            }
            self.emit(JobSubmitted { job_id: id, client, model_id, price: model.price });
            id
        }

        fn assign_job(ref self: ContractState, job_id: u64, worker: ContractAddress) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            self.access.assert_only_role(COORDINATOR_ROLE);
            let job = self.load_job(job_id);
            assert(job.status == JobStatus::Pending, Errors::NOT_PENDING);
            let pool = self.pool();
            assert(pool.is_active_worker(worker), Errors::WORKER_NOT_ACTIVE);
            let requirements = self.models.entry(job.model_id).requirements.read();
            let capabilities = pool.get_worker(worker).capabilities;
            assert(capabilities & requirements == requirements, Errors::MISSING_CAPABILITIES);
            let now = get_block_timestamp();
            let deadline = now.saturating_add(job.timeout);
            let entry = self.jobs.entry(job_id);
            entry.worker.write(worker);
            entry.status.write(JobStatus::Assigned);
            entry.assigned_at.write(now);
            entry.deadline.write(deadline);
            self.worker_jobs.entry(worker).push(job_id);
            self.emit(JobAssigned { job_id, worker, deadline });
        }

        fn complete_job(ref self: ContractState, job_id: u64, result_hash: felt252) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let job = self.load_job(job_id);
            assert(get_caller_address() == job.worker, Errors::NOT_ASSIGNED_WORKER);
            assert(job.status == JobStatus::Assigned, Errors::NOT_ASSIGNED);
            assert(get_block_timestamp() <= job.deadline, Errors::DEADLINE_PASSED);
            assert(result_hash != 0, Errors::RESULT_HASH_ZERO);
            self.settle_to_worker(job, result_hash);
        }

        fn cancel_job(ref self: ContractState, job_id: u64) {
            let job = self.load_job(job_id);
            assert(get_caller_address() == job.client, Errors::NOT_CLIENT);
            assert(job.status == JobStatus::Pending, Errors::NOT_PENDING);
            self.jobs.entry(job_id).status.write(JobStatus::Cancelled);
            self.refund(job);
            self.emit(JobCancelled { job_id, refund: job.price });
        }

        fn expire_job(ref self: ContractState, job_id: u64) {
            let job = self.load_job(job_id);
            let expired = job.status == JobStatus::Assigned
                && get_block_timestamp() > job.deadline;
            assert(expired, Errors::NOT_EXPIRED);
            self.jobs.entry(job_id).status.write(JobStatus::Expired);
            self.refund(job);
            self.pool().record_job_outcome(job.worker, false);
            self.emit(JobExpired { job_id, refund: job.price });
        }

        fn open_dispute(ref self: ContractState, job_id: u64, reason: felt252) {
            let job = self.load_job(job_id);
            let caller = get_caller_address();
            assert(caller == job.client || caller == job.worker, Errors::NOT_PARTY);
            assert(job.status == JobStatus::Assigned, Errors::NOT_ASSIGNED);
            // Freezes the job: neither completion nor expiry can race the arbiter.
            let entry = self.jobs.entry(job_id);
            entry.status.write(JobStatus::Disputed);
            entry.dispute_reason.write(reason);
            self.emit(DisputeOpened { job_id, by: caller, reason });
        }

        fn resolve_dispute(
            ref self: ContractState, job_id: u64, pay_worker: bool, result_hash: felt252,
        ) {
            self.access.assert_only_role(ARBITER_ROLE);
            let job = self.load_job(job_id);
            assert(job.status == JobStatus::Disputed, Errors::NOT_DISPUTED);
            if pay_worker {
                self.settle_to_worker(job, result_hash);
            } else {
                let entry = self.jobs.entry(job_id);
                entry.status.write(JobStatus::Refunded);
                entry.result_hash.write(result_hash);
                self.refund(job);
                self.pool().record_job_outcome(job.worker, false);
            }
            self.emit(DisputeResolved { job_id, pay_worker, arbiter: get_caller_address() });
        }

        fn get_job(self: @ContractState, job_id: u64) -> Job {
            self.jobs.read(job_id)
        }

        fn job_count(self: @ContractState) -> u64 {
            self.job_count.read()
        }

        fn get_jobs(self: @ContractState, offset: u64, limit: u32) -> Array<Job> {
            let mut out = array![];
            let (start, end) = page_bounds(offset, limit, self.job_count.read());
            for i in start..end {
                out.append(self.jobs.read(i + 1));
            }
            out
        }

        fn get_client_jobs(
            self: @ContractState, client: ContractAddress, offset: u64, limit: u32,
        ) -> Array<u64> {
            let ids = self.client_jobs.entry(client);
            let mut out = array![];
            let (start, end) = page_bounds(offset, limit, ids.len());
            for i in start..end {
                out.append(ids.at(i).read());
            }
            out
        }

        fn get_worker_jobs(
            self: @ContractState, worker: ContractAddress, offset: u64, limit: u32,
        ) -> Array<u64> {
            let ids = self.worker_jobs.entry(worker);
            let mut out = array![];
            let (start, end) = page_bounds(offset, limit, ids.len());
            for i in start..end {
                out.append(ids.at(i).read());
            }
            out
        }

        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }

        fn cdc_pool(self: @ContractState) -> ContractAddress {
            self.cdc_pool.read()
        }

        fn default_timeout(self: @ContractState) -> u64 {
            self.default_timeout.read()
        }

        fn set_default_timeout(ref self: ContractState, default_timeout: u64) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            assert(default_timeout > 0, Errors::TIMEOUT_ZERO);
            self.default_timeout.write(default_timeout);
            self.emit(DefaultTimeoutUpdated { default_timeout });
        }
    }

    /// Clamps [offset, offset + limit) to [0, len) with limit capped at MAX_PAGE.
    fn page_bounds(offset: u64, limit: u32, len: u64) -> (u64, u64) {
        let limit: u64 = if limit > MAX_PAGE {
            MAX_PAGE.into()
        } else {
            limit.into()
        };
        if offset >= len {
            return (len, len);
        }
        let end = if len - offset < limit {
            len
        } else {
            offset + limit
        };
        (offset, end)
    }

    #[generate_trait]
    impl InternalImpl of InternalTrait {
        fn pool(self: @ContractState) -> ICdcPoolDispatcher {
            ICdcPoolDispatcher { contract_address: self.cdc_pool.read() }
        }

        fn assert_model_exists(self: @ContractState, model_id: u64) {
            assert(model_id != 0 && model_id <= self.model_count.read(), Errors::UNKNOWN_MODEL);
        }

        fn load_job(self: @ContractState, job_id: u64) -> Job {
            assert(job_id != 0 && job_id <= self.job_count.read(), Errors::UNKNOWN_JOB);
            self.jobs.read(job_id)
        }

        /// Pays the escrow into the pool as the worker's reward. Status is written before the
        /// external calls so a re-entrant call sees the job as already settled.
        fn settle_to_worker(ref self: ContractState, job: Job, result_hash: felt252) {
            let entry = self.jobs.entry(job.id);
            entry.status.write(JobStatus::Completed);
            entry.result_hash.write(result_hash);
            entry.completed_at.write(get_block_timestamp());
            let pool = self.pool();
            if job.price > 0 {
                let token = IERC20Dispatcher { contract_address: self.token.read() };
                assert(token.approve(pool.contract_address, job.price), Errors::TRANSFER_FAILED);
                pool.credit_reward(job.worker, job.price);
            }
            pool.record_job_outcome(job.worker, true);
            self
                .emit(
                    JobCompleted {
                        job_id: job.id, worker: job.worker, result_hash, payment: job.price,
                    },
                );
        }

        fn refund(ref self: ContractState, job: Job) {
            if job.price > 0 {
                let token = IERC20Dispatcher { contract_address: self.token.read() };
                assert(token.transfer(job.client, job.price), Errors::TRANSFER_FAILED);
            }
        }
    }
}

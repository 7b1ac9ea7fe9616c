//! JobMgr: model registry and inference jobs with token escrow.
//!
//! The client's payment is escrowed here at submission and leaves exactly once: to the CdcPool as
//! the worker's reward (complete / dispute won by the worker) or back to the client (cancel,
//! expire, dispute lost by the worker). Each exit moves the job to a terminal status first.

pub mod errors;
pub mod events;
pub mod interface;
mod jobs;
mod models;
mod paging;
pub use errors as Errors;
pub use interface::*;

#[starknet::contract]
pub mod JobMgr {
    use core::num::traits::Zero;
    use starknet::storage::{
        Map, StorageMapReadAccess, StoragePathEntry, StoragePointerReadAccess,
        StoragePointerWriteAccess, Vec,
    };
    use starknet::{ContractAddress, get_caller_address};
    use crate::access::{
        ARBITER_ROLE, AccessControlComponent, COORDINATOR_ROLE, DEFAULT_ADMIN_ROLE,
        IACCESS_CONTROL_ID, MODEL_ADMIN_ROLE, PAUSER_ROLE,
    };
    use crate::pausable::{IPAUSABLE_ID, PauseAuthority, PausableComponent};
    use crate::src5::{SRC5Component, SRC5Interfaces};
    use crate::upgrade::{IUPGRADEABLE_ID, UpgradeAuthority, UpgradeableComponent};
    use super::events::*;
    use super::jobs::{JobLedgerTrait, id_page};
    use super::models::ModelRegistryTrait;
    use super::{Errors, IJOB_DEADLINES_ID, IJOB_MGR_ID, IJobDeadlines, IJobMgr, Job, Model};

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
    impl AccessInternal = AccessControlComponent::InternalImpl<ContractState>;
    impl Interfaces of SRC5Interfaces<ContractState> {
        fn interface_ids() -> Span<felt252> {
            [IACCESS_CONTROL_ID, IUPGRADEABLE_ID, IPAUSABLE_ID, IJOB_MGR_ID, IJOB_DEADLINES_ID].span()
        }
    }
    #[abi(embed_v0)]
    impl PausableImpl = PausableComponent::PausableImpl<ContractState>;
    impl PausableInternal = PausableComponent::InternalImpl<ContractState>;

    // pub(crate) only so the helpers in job_mgr/ can reach the fields; visibility is not part of
    // the ABI or of the storage layout.
    #[storage]
    struct Storage {
        pub(crate) token: ContractAddress,
        pub(crate) cdc_pool: ContractAddress,
        pub(crate) default_timeout: u64,
        pub(crate) model_count: u64,
        pub(crate) models: Map<u64, Model>,
        pub(crate) job_count: u64,
        pub(crate) jobs: Map<u64, Job>,
        pub(crate) client_jobs: Map<ContractAddress, Vec<u64>>,
        pub(crate) worker_jobs: Map<ContractAddress, Vec<u64>>,
        pub(crate) pause_base: Map<u64, u64>, // paused_seconds() at assignment: jobs.cairo
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
        let roles = array![
            DEFAULT_ADMIN_ROLE, PAUSER_ROLE, MODEL_ADMIN_ROLE, COORDINATOR_ROLE, ARBITER_ROLE,
        ];
        self.access._grant_roles(roles.span(), admin);
    }

    #[abi(embed_v0)]
    impl JobMgrImpl of IJobMgr<ContractState> {
        fn register_model(
            ref self: ContractState, model_hash: felt252, requirements: u64, price: u256,
        ) -> u64 {
            self.access.assert_only_role(MODEL_ADMIN_ROLE);
            self.add_model(model_hash, requirements, price)
        }

        fn update_model(
            ref self: ContractState, model_id: u64, model_hash: felt252, requirements: u64,
            price: u256,
        ) {
            self.access.assert_only_role(MODEL_ADMIN_ROLE);
            self.edit_model(model_id, model_hash, requirements, price);
        }

        fn deactivate_model(ref self: ContractState, model_id: u64) {
            self.access.assert_only_role(MODEL_ADMIN_ROLE);
            self.retire_model(model_id);
        }

        fn get_model(self: @ContractState, model_id: u64) -> Model {
            self.models.read(model_id)
        }
        fn model_count(self: @ContractState) -> u64 {
            self.model_count.read()
        }
        fn get_models(self: @ContractState, offset: u64, limit: u32) -> Array<Model> {
            self.models_page(offset, limit)
        }

        fn submit_job(
            ref self: ContractState, model_id: u64, input_hash: felt252, timeout: u64,
        ) -> u64 {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let model = self.active_model(model_id);
            self.create_job(get_caller_address(), model, input_hash, timeout)
        }

        fn assign_job(ref self: ContractState, job_id: u64, worker: ContractAddress) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            self.access.assert_only_role(COORDINATOR_ROLE);
            self.assign(job_id, worker, self.pausable.paused_seconds());
        }

        fn complete_job(ref self: ContractState, job_id: u64, result_hash: felt252) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            self.complete(job_id, result_hash, self.pausable.paused_seconds());
        }

        // Never paused: escrow comes back (a pause delays expiry by at most a timeout: jobs.cairo).
        fn cancel_job(ref self: ContractState, job_id: u64) {
            self.cancel(job_id);
        }
        fn expire_job(ref self: ContractState, job_id: u64) {
            self.expire(job_id, self.pausable.paused_seconds());
        }
        fn open_dispute(ref self: ContractState, job_id: u64, reason: felt252) {
            self.dispute(job_id, reason, self.pausable.paused_seconds());
        }

        fn resolve_dispute(
            ref self: ContractState, job_id: u64, pay_worker: bool, result_hash: felt252,
        ) {
            self.access.assert_only_role(ARBITER_ROLE);
            self.resolve(job_id, pay_worker, result_hash);
        }

        fn get_job(self: @ContractState, job_id: u64) -> Job {
            self.jobs.read(job_id)
        }
        fn job_count(self: @ContractState) -> u64 {
            self.job_count.read()
        }
        fn get_jobs(self: @ContractState, offset: u64, limit: u32) -> Array<Job> {
            self.jobs_page(offset, limit)
        }
        fn get_client_jobs(
            self: @ContractState, client: ContractAddress, offset: u64, limit: u32,
        ) -> Array<u64> {
            id_page(self.client_jobs.entry(client), offset, limit)
        }
        fn get_worker_jobs(
            self: @ContractState, worker: ContractAddress, offset: u64, limit: u32,
        ) -> Array<u64> {
            id_page(self.worker_jobs.entry(worker), offset, limit)
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

    #[abi(embed_v0)]
    impl JobDeadlinesImpl of IJobDeadlines<ContractState> {
        fn job_deadline(self: @ContractState, job_id: u64) -> u64 {
            self.deadline_now(job_id, self.pausable.paused_seconds())
        }
    }

    impl UpgradeGate of UpgradeAuthority<ContractState> {
        fn assert_can_upgrade(self: @ContractState) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
        }
    }

    impl PauseGate of PauseAuthority<ContractState> {
        fn assert_can_pause(self: @ContractState) {
            self.access.assert_only_role(PAUSER_ROLE);
        }
    }
}

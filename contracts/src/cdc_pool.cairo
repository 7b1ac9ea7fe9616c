//! CdcPool: registry of compute workers, their CIRO stake, reputation and job rewards. Token
//! custody: the pool holds every worker's stake, pending unstake and pending rewards. Rewards are
//! only ever credited together with a transfer_from of the same amount, so the pool's balance
//! always covers what it owes.

pub mod errors;
pub mod events;
pub mod interface;
mod config;
mod registry;
mod staking;
pub use errors as Errors;
pub use interface::*;

#[starknet::contract]
pub mod CdcPool {
    use core::num::traits::Zero;
    use starknet::storage::{
        Map, StoragePathEntry, StoragePointerReadAccess, StoragePointerWriteAccess, Vec, VecTrait,
    };
    use starknet::{ContractAddress, get_caller_address};
    use crate::access::{
        AccessControlComponent, DEFAULT_ADMIN_ROLE, IACCESS_CONTROL_ID, JOB_MANAGER_ROLE,
        PAUSER_ROLE, SLASHER_ROLE,
    };
    use crate::pausable::{IPAUSABLE_ID, PauseAuthority, PausableComponent};
    use crate::src5::{SRC5Component, SRC5Interfaces};
    use crate::upgrade::{IUPGRADEABLE_ID, UpgradeAuthority, UpgradeableComponent};
    use super::config::ConfigTrait;
    use super::events::*;
    use super::registry::RegistryTrait;
    use super::staking::StakingTrait;
    use super::{Errors, ICDC_POOL_ID, ICdcPool, IPOOL_JOBS_ID, IPoolJobs, WorkerInfo};

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
            [IACCESS_CONTROL_ID, IUPGRADEABLE_ID, IPAUSABLE_ID, ICDC_POOL_ID, IPOOL_JOBS_ID].span()
        }
    }
    #[abi(embed_v0)]
    impl PausableImpl = PausableComponent::PausableImpl<ContractState>;
    impl PausableInternal = PausableComponent::InternalImpl<ContractState>;

    // pub(crate) for the helpers in cdc_pool/; visibility is not part of the ABI or storage layout.
    #[storage]
    struct Storage {
        pub(crate) token: ContractAddress,
        pub(crate) treasury: ContractAddress,
        pub(crate) min_stake: u256,
        pub(crate) unstake_delay: u64,
        pub(crate) heartbeat_timeout: u64,
        pub(crate) workers: Map<ContractAddress, WorkerInfo>,
        /// Assigned jobs without an outcome yet: the worker's unstaked CIRO stays slashable.
        pub(crate) open_jobs: Map<ContractAddress, u32>,
        pub(crate) worker_list: Vec<ContractAddress>,
        #[substorage(v0)]
        access: AccessControlComponent::Storage,
        #[substorage(v0)]
        src5: SRC5Component::Storage,
        #[substorage(v0)]
        upgradeable: UpgradeableComponent::Storage,
        #[substorage(v0)]
        pub(crate) pausable: PausableComponent::Storage,
    }

    #[event]
    #[derive(Drop, starknet::Event)]
    pub enum Event {
        WorkerRegistered: WorkerRegistered,
        CapabilitiesUpdated: CapabilitiesUpdated,
        Staked: Staked,
        UnstakeRequested: UnstakeRequested,
        Unstaked: Unstaked,
        Heartbeat: Heartbeat,
        Slashed: Slashed,
        ReputationUpdated: ReputationUpdated,
        RewardCredited: RewardCredited,
        RewardsClaimed: RewardsClaimed,
        ConfigUpdated: ConfigUpdated,
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
        min_stake: u256,
        unstake_delay: u64,
        heartbeat_timeout: u64,
    ) {
        assert(token.is_non_zero(), Errors::ZERO_ADDRESS);
        self.token.write(token);
        self.treasury.write(admin);
        self.min_stake.write(min_stake);
        self.unstake_delay.write(unstake_delay);
        self.heartbeat_timeout.write(heartbeat_timeout);
        let roles = array![DEFAULT_ADMIN_ROLE, PAUSER_ROLE, SLASHER_ROLE, JOB_MANAGER_ROLE];
        self.access._grant_roles(roles.span(), admin);
    }

    #[abi(embed_v0)]
    impl CdcPoolImpl of ICdcPool<ContractState> {
        fn register_worker(ref self: ContractState, capabilities: u64) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            self.enroll(get_caller_address(), capabilities);
        }

        // The rest of the worker self-service acts on the caller's own record; `calling_worker`
        // checks the pause flag, then that the caller is registered.
        fn update_capabilities(ref self: ContractState, capabilities: u64) {
            self.set_capabilities(self.calling_worker(), capabilities);
        }
        fn stake(ref self: ContractState, amount: u256) {
            self.add_stake(self.calling_worker(), amount);
        }
        fn request_unstake(ref self: ContractState, amount: u256) {
            self.queue_unstake(self.calling_worker(), amount);
        }
        fn withdraw_unstaked(ref self: ContractState) -> u256 {
            self.release_unstaked(self.calling_worker())
        }
        fn heartbeat(ref self: ContractState) {
            self.record_heartbeat(self.calling_worker());
        }
        fn claim_rewards(ref self: ContractState) -> u256 {
            self.pay_rewards(self.calling_worker())
        }

        // Deliberately not pausable: slashing must stay possible during an incident.
        fn slash(ref self: ContractState, worker: ContractAddress, amount: u256, reason: felt252) {
            self.access.assert_only_role(SLASHER_ROLE);
            assert(reason != 0, Errors::REASON_REQUIRED);
            self.assert_registered(worker);
            self.slash_stake(worker, amount, reason);
        }

        // JobMgr, at assignment: the worker's stake answers for the job until its outcome.
        fn job_assigned(ref self: ContractState, worker: ContractAddress) {
            self.access.assert_only_role(JOB_MANAGER_ROLE);
            self.open_job(self.assert_registered(worker));
        }

        // Not pausable: JobMgr calls this from expire/dispute paths that refund clients.
        fn record_job_outcome(ref self: ContractState, worker: ContractAddress, success: bool) {
            self.access.assert_only_role(JOB_MANAGER_ROLE);
            self.record_outcome(self.assert_registered(worker), success);
        }

        fn credit_reward(ref self: ContractState, worker: ContractAddress, amount: u256) {
            self.access.assert_only_role(JOB_MANAGER_ROLE);
            self.assert_registered(worker);
            self.credit(worker, amount);
        }

        fn set_min_stake(ref self: ContractState, min_stake: u256) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.write_min_stake(min_stake);
        }
        fn set_unstake_delay(ref self: ContractState, unstake_delay: u64) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.write_unstake_delay(unstake_delay);
        }
        fn set_heartbeat_timeout(ref self: ContractState, heartbeat_timeout: u64) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.write_heartbeat_timeout(heartbeat_timeout);
        }
        fn set_treasury(ref self: ContractState, treasury: ContractAddress) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.write_treasury(treasury);
        }

        // Views.
        fn get_worker(self: @ContractState, worker: ContractAddress) -> WorkerInfo {
            self.workers.entry(worker).read()
        }
        fn get_reputation(self: @ContractState, worker: ContractAddress) -> u32 {
            self.workers.entry(worker).reputation.read()
        }
        fn pending_rewards(self: @ContractState, worker: ContractAddress) -> u256 {
            self.workers.entry(worker).pending_rewards.read()
        }
        fn is_active_worker(self: @ContractState, worker: ContractAddress) -> bool {
            self.is_active(worker)
        }
        fn is_online(self: @ContractState, worker: ContractAddress) -> bool {
            self.is_active(worker) && self.heartbeat_fresh(worker)
        }
        fn worker_count(self: @ContractState) -> u64 {
            self.worker_list.len()
        }
        fn get_workers(self: @ContractState, offset: u64, limit: u32) -> Array<ContractAddress> {
            self.workers_page(offset, limit)
        }
        fn min_stake(self: @ContractState) -> u256 {
            self.min_stake.read()
        }
        fn unstake_delay(self: @ContractState) -> u64 {
            self.unstake_delay.read()
        }
        fn heartbeat_timeout(self: @ContractState) -> u64 {
            self.heartbeat_timeout.read()
        }
        fn token(self: @ContractState) -> ContractAddress {
            self.token.read()
        }
        fn treasury(self: @ContractState) -> ContractAddress {
            self.treasury.read()
        }
    }

    #[abi(embed_v0)]
    impl PoolJobsImpl of IPoolJobs<ContractState> {
        fn open_jobs(self: @ContractState, worker: ContractAddress) -> u32 {
            self.open_jobs.entry(worker).read()
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

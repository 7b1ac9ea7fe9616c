//! CdcPool: registry of compute workers, their CIRO stake, reputation and job rewards.
//!
//! Token custody: the pool holds every worker's stake, pending unstake and pending rewards.
//! Rewards are only ever credited together with a transfer_from of the same amount, so the
//! pool's balance always covers what it owes.

pub mod events;
pub mod interface;
mod internal;
mod staking;
pub use interface::{ICdcPool, ICdcPoolDispatcher, ICdcPoolDispatcherTrait, WorkerInfo};

pub mod Errors {
    pub const PAUSED: felt252 = 'CDC: paused';
    pub const ALREADY_REGISTERED: felt252 = 'CDC: already registered';
    pub const NOT_REGISTERED: felt252 = 'CDC: not registered';
    pub const AMOUNT_ZERO: felt252 = 'CDC: amount zero';
    pub const INSUFFICIENT_STAKE: felt252 = 'CDC: insufficient stake';
    pub const NOTHING_TO_WITHDRAW: felt252 = 'CDC: nothing to withdraw';
    pub const UNSTAKE_LOCKED: felt252 = 'CDC: unstake locked';
    pub const REASON_REQUIRED: felt252 = 'CDC: reason required';
    pub const NO_REWARDS: felt252 = 'CDC: no rewards';
    pub const TRANSFER_FAILED: felt252 = 'CDC: transfer failed';
    pub const ZERO_ADDRESS: felt252 = 'CDC: zero address';
}

pub const INITIAL_REPUTATION: u32 = 500;
pub const MAX_REPUTATION: u32 = 1000;
pub const SUCCESS_BONUS: u32 = 10;
pub const FAILURE_PENALTY: u32 = 50;
pub const SLASH_PENALTY: u32 = 100;
pub const MAX_PAGE: u32 = 100;

#[starknet::contract]
pub mod CdcPool {
    use core::num::traits::Zero;
    use starknet::storage::{
        Map, StoragePathEntry, StoragePointerReadAccess, StoragePointerWriteAccess, Vec, VecTrait,
    };
    use starknet::{ContractAddress, get_block_timestamp, get_caller_address};
    use crate::access::{
        AccessControlComponent, DEFAULT_ADMIN_ROLE, JOB_MANAGER_ROLE, PAUSER_ROLE, SLASHER_ROLE,
    };
    use crate::pausable::PausableComponent;
    use crate::src5::SRC5Component;
    use crate::upgrade::UpgradeableComponent;
    use super::events::*;
    use super::internal::PoolInternalTrait;
    use super::staking::StakingTrait;
    use super::{Errors, ICdcPool, WorkerInfo};

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

    // pub(crate) only so the helpers in cdc_pool/ can reach the fields; visibility is not part of
    // the ABI or of the storage layout.
    #[storage]
    struct Storage {
        pub(crate) token: ContractAddress,
        pub(crate) treasury: ContractAddress,
        min_stake: u256,
        pub(crate) unstake_delay: u64,
        heartbeat_timeout: u64,
        pub(crate) workers: Map<ContractAddress, WorkerInfo>,
        pub(crate) worker_list: Vec<ContractAddress>,
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
        self.access._grant_role(DEFAULT_ADMIN_ROLE, admin);
        self.access._grant_role(PAUSER_ROLE, admin);
        self.access._grant_role(SLASHER_ROLE, admin);
        self.access._grant_role(JOB_MANAGER_ROLE, admin);
    }

    #[abi(embed_v0)]
    impl CdcPoolImpl of ICdcPool<ContractState> {
        fn register_worker(ref self: ContractState, capabilities: u64) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            self.enroll(get_caller_address(), capabilities);
        }

        fn update_capabilities(ref self: ContractState, capabilities: u64) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            self.workers.entry(worker).capabilities.write(capabilities);
            self.emit(CapabilitiesUpdated { worker, capabilities });
        }

        fn stake(ref self: ContractState, amount: u256) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            self.add_stake(worker, amount);
        }

        fn request_unstake(ref self: ContractState, amount: u256) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            self.queue_unstake(worker, amount);
        }

        fn withdraw_unstaked(ref self: ContractState) -> u256 {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            self.release_unstaked(worker)
        }

        fn heartbeat(ref self: ContractState) {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            let timestamp = get_block_timestamp();
            self.workers.entry(worker).last_heartbeat.write(timestamp);
            self.emit(Heartbeat { worker, timestamp });
        }

        fn claim_rewards(ref self: ContractState) -> u256 {
            self.pausable.assert_not_paused(Errors::PAUSED);
            let worker = self.assert_registered(get_caller_address());
            self.pay_rewards(worker)
        }

        // Deliberately not pausable: slashing must stay possible during an incident.
        fn slash(ref self: ContractState, worker: ContractAddress, amount: u256, reason: felt252) {
            self.access.assert_only_role(SLASHER_ROLE);
            assert(reason != 0, Errors::REASON_REQUIRED);
            self.assert_registered(worker);
            self.slash_stake(worker, amount, reason);
        }

        // Not pausable: JobMgr calls this from expire/dispute paths that refund clients.
        fn record_job_outcome(ref self: ContractState, worker: ContractAddress, success: bool) {
            self.access.assert_only_role(JOB_MANAGER_ROLE);
            self.assert_registered(worker);
            self.record_outcome(worker, success);
        }

        fn credit_reward(ref self: ContractState, worker: ContractAddress, amount: u256) {
            self.access.assert_only_role(JOB_MANAGER_ROLE);
            self.assert_registered(worker);
            self.credit(worker, amount);
        }

        fn set_min_stake(ref self: ContractState, min_stake: u256) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.min_stake.write(min_stake);
            self.emit(ConfigUpdated { param: 'min_stake', value: min_stake });
        }

        fn set_unstake_delay(ref self: ContractState, unstake_delay: u64) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.unstake_delay.write(unstake_delay);
            self.emit(ConfigUpdated { param: 'unstake_delay', value: unstake_delay.into() });
        }

        fn set_heartbeat_timeout(ref self: ContractState, heartbeat_timeout: u64) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            self.heartbeat_timeout.write(heartbeat_timeout);
            self
                .emit(
                    ConfigUpdated { param: 'heartbeat_timeout', value: heartbeat_timeout.into() },
                );
        }

        fn set_treasury(ref self: ContractState, treasury: ContractAddress) {
            self.access.assert_only_role(DEFAULT_ADMIN_ROLE);
            assert(treasury.is_non_zero(), Errors::ZERO_ADDRESS);
            self.treasury.write(treasury);
            let as_felt: felt252 = treasury.into();
            self.emit(ConfigUpdated { param: 'treasury', value: as_felt.into() });
        }

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
            let entry = self.workers.entry(worker);
            entry.registered.read() && entry.staked.read() >= self.min_stake.read()
        }

        fn is_online(self: @ContractState, worker: ContractAddress) -> bool {
            if !self.is_active_worker(worker) {
                return false;
            }
            let timeout = self.heartbeat_timeout.read();
            if timeout == 0 {
                return true;
            }
            // A worker that never sent a heartbeat is not online, whatever the clock says.
            let last = self.workers.entry(worker).last_heartbeat.read();
            let now = get_block_timestamp();
            last != 0 && now >= last && now - last <= timeout
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
}
